import { globalState } from './state';

/**
 * Exports the spans still queued, waiting at most `timeoutMillis` (default 5000 ms); tracing keeps
 * running. Acts on whatever started tracing (the `@app/tracing/register` preload or `startTracing`),
 * and resolves at once when tracing is not running. Never rejects: a slow or failing export is
 * reported on stderr and counted in `getTracingStats()`.
 */
export async function flushTracing(timeoutMillis?: number): Promise<void> {
  await globalState().handle?.forceFlush(timeoutMillis);
}

/**
 * Flushes the queued spans within `timeoutMillis` (default 5000 ms), then stops tracing. Call it last
 * in the service's graceful close, after the server has drained, so the drained requests' spans are
 * exported. Acts on whatever started tracing; resolves at once when tracing is not running; safe to
 * call twice; never rejects. Signals and draining belong to the service (for example with
 * `close-with-grace`), not to this package.
 */
export async function shutdownTracing(timeoutMillis?: number): Promise<void> {
  await globalState().handle?.shutdown(timeoutMillis);
}
