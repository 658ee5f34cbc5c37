import type * as OtelApi from '@opentelemetry/api';

export interface TraceIds {
  traceId: string;
  spanId: string;
}

// `@opentelemetry/api` is an optional peer: without it there are simply no exemplars. It is
// looked up on the first call, so a process that never records pays nothing.
let api: typeof OtelApi | null | undefined;

function load(): typeof OtelApi | null {
  try {
    api = require('@opentelemetry/api') as typeof OtelApi;
  } catch {
    api = null;
  }
  return api;
}

const SAMPLED = 1; // TraceFlags.SAMPLED

/**
 * Ids of the active span when it is valid and sampled; an exemplar pointing at a trace that was
 * not sampled would lead nowhere.
 */
export function activeTraceIds(): TraceIds | undefined {
  const otel = api === undefined ? load() : api;
  if (otel === null) return undefined;
  const span = otel.trace.getActiveSpan();
  if (span === undefined) return undefined;
  const context = span.spanContext();
  if ((context.traceFlags & SAMPLED) === 0 || !otel.isSpanContextValid(context)) return undefined;
  return { traceId: context.traceId, spanId: context.spanId };
}
