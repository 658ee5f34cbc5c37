import { TracingError } from './errors';
import { LOG_PREFIX } from './semconv';
import { startTracing } from './start';

/**
 * Starts tracing from the `OTEL_*` environment for the preload entries. A
 * configuration error is reported loudly on stderr and the app runs untraced:
 * a typo in a tracing variable must not keep the service from starting.
 */
export function startFromPreload(): void {
  try {
    startTracing();
  } catch (error) {
    const detail = error instanceof TracingError ? `${error.code}: ${error.message}` : String(error);
    process.stderr.write(`${LOG_PREFIX} ERROR: tracing NOT started (${detail})\n`);
  }
}
