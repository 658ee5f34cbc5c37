import { trace } from '@opentelemetry/api';

/** The active span's trace id, if tracing is on (stored on claim rows to link them to their trace). */
export function currentTraceId(): string | null {
  const context = trace.getActiveSpan()?.spanContext();
  return context && context.traceId !== '00000000000000000000000000000000' ? context.traceId : null;
}
