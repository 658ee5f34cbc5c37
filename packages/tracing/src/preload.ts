import { workerData } from 'node:worker_threads';
import { TracingError } from './errors';
import { LOG_PREFIX } from './semconv';
import { startTracing } from './start';

/**
 * Starts tracing from the `OTEL_*` environment for the preload entries. A
 * configuration error is reported loudly on stderr and the app runs untraced:
 * a typo in a tracing variable must not keep the service from starting.
 */
export function startFromPreload(): void {
  // The export worker of a traced app may inherit the preload (NODE_OPTIONS); it traces nothing.
  if ((workerData as { appTracingExportWorker?: boolean } | null)?.appTracingExportWorker) return;
  try {
    startTracing();
  } catch (error) {
    const detail = error instanceof TracingError ? `${error.code}: ${error.message}` : String(error);
    process.stderr.write(`${LOG_PREFIX} ERROR: tracing NOT started (${detail})\n`);
  }
}
