import type * as OtelApi from '@opentelemetry/api';
import { LOG_FIELDS } from './log-fields';

let api: typeof OtelApi | null | undefined;

// `@opentelemetry/api` is an optional peer: without it events carry no ids.
function loadApi(): typeof OtelApi | null {
  if (api === undefined) {
    try {
      api = require('@opentelemetry/api') as typeof OtelApi;
    } catch {
      api = null;
    }
  }
  return api;
}

/** Trace and span id of the active OpenTelemetry span, or nulls. */
export function activeTraceIds(): { traceId: string | null; spanId: string | null; traceFlags: number | null } {
  const otel = loadApi();
  const context = otel?.trace.getActiveSpan()?.spanContext();
  if (!otel || !context || !otel.isSpanContextValid(context)) return { traceId: null, spanId: null, traceFlags: null };
  return { traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags };
}

/**
 * `{ 'trace.id', 'span.id', 'trace.flags' }` of the active span (empty outside
 * a span); usable as a pino `mixin` so every line carries the convention's names.
 */
export function traceLogFields(): Record<string, string> {
  const { traceId, spanId, traceFlags } = activeTraceIds();
  if (!traceId || !spanId) return {};
  return {
    [LOG_FIELDS.TRACE_ID]: traceId,
    [LOG_FIELDS.SPAN_ID]: spanId,
    [LOG_FIELDS.TRACE_FLAGS]: (traceFlags ?? 0).toString(16).padStart(2, '0'),
  };
}
