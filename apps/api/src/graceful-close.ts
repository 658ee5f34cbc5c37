import { shutdownTracing } from '@app/tracing';
import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

/** Bound of the span flush that ends a shutdown, in ms. */
export const FLUSH_TIMEOUT_MS = 5000;

export interface GracefulCloseOptions {
  logger: Logger;
  /** Upper bound of `drain` in ms (`SHUTDOWN_GRACE_MS`); the span flush still runs after it. */
  graceMs: number;
  /** Stops accepting work, finishes in-flight requests and jobs, closes clients. */
  drain: () => Promise<void>;
}

async function within(work: Promise<unknown>, ms: number): Promise<'done' | 'timed out' | Error> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(() => 'done' as const),
      new Promise<'timed out'>((resolve) => {
        timer = setTimeout(() => resolve('timed out'), ms);
      }),
    ]);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The service's graceful close, with `close-with-grace` (as fastify/demo's server.ts): on SIGTERM, SIGINT
 * (and the other termination signals), or an uncaught exception / unhandled rejection, runs `drain` bounded
 * by `graceMs`, then flushes the spans (`shutdownTracing`, bounded by FLUSH_TIMEOUT_MS) and exits: 0 after a
 * clean drain, 1 (the cause logged last) when the drain failed or timed out, or an error caused the close. A second signal
 * exits at once with 1; past `graceMs` + the flush bound, close-with-grace exits 1 whatever is left.
 */
export function installGracefulClose({ logger, graceMs, drain }: GracefulCloseOptions): void {
  // close-with-grace logs what ended the close badly (the rejection below, a second signal, its own timeout).
  const report = (problem: unknown) =>
    problem instanceof Error ? logger.error({ err: problem }, problem.message) : logger.error(String(problem));
  closeWithGrace({ delay: graceMs + FLUSH_TIMEOUT_MS + 1000, logger: { error: report } }, async ({ signal, err }) => {
    if (err) logger.error('shutting down after an unhandled error');
    logger.info({ signal }, 'shutting down: no new connections, draining requests');
    const drained = await within(drain(), graceMs);
    logger.info('flushing spans');
    await shutdownTracing(FLUSH_TIMEOUT_MS);
    logger.flush();
    // A rejection makes close-with-grace log it and exit 1.
    if (drained !== 'done') throw drained instanceof Error ? drained : new Error(`drain ${drained}`);
    if (err) throw err;
  });
}
