import { LOG_PREFIX } from './semconv';
import { globalState } from './state';
import type { ShutdownOptions } from './types';

async function within(promise: Promise<unknown>, ms: number): Promise<'done' | 'timeout' | Error> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(() => 'done' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), ms);
      }),
    ]);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * On SIGTERM / SIGINT: runs `drain` (stop accepting requests, finish the
 * in-flight ones — e.g. `() => app.close()`), then flushes the spans within
 * `flushTimeoutMillis`, then exits 0 (1 when drain failed or timed out).
 * A second signal while shutting down exits at once with 1.
 * Returns a function that removes the handlers.
 */
export function installShutdownHandlers(options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let shuttingDown = false;

  const onSignal = async (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log(`${LOG_PREFIX} second ${signal}: exiting now`);
      exit(1);
      return;
    }
    shuttingDown = true;
    let code = 0;
    if (options.drain) {
      const server = options.server;
      const idleCloser = server ? setInterval(() => server.closeIdleConnections(), 50) : undefined;
      const drained = await within(options.drain(), options.drainTimeoutMillis ?? 10_000);
      clearInterval(idleCloser);
      if (drained !== 'done') {
        code = 1;
        log(`${LOG_PREFIX} drain on ${signal} ${drained === 'timeout' ? 'timed out' : `failed: ${drained.message}`}`);
      }
    }
    await globalState().handle?.shutdown(options.flushTimeoutMillis ?? 5000);
    exit(code);
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
  };
}
