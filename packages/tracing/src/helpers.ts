import { type Attributes, isSpanContextValid, type Span, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TRACER_NAME } from './semconv';
import type { TraceIds } from './types';

function fail(span: Span, error: unknown): void {
  if (error instanceof Error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
  }
}

/**
 * Runs `fn` inside a new span named `name` (a business step such as
 * `jwt.verify` or `reward.claim`), child of the active span. The span ends when
 * `fn` returns or its promise settles; a throw or rejection marks it as an
 * error and is rethrown unchanged. Attributes must not carry secrets.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, (span) => {
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

/**
 * Trace and span id of the active span, for audit rows, exemplars and log
 * fields; `undefined` outside any span (or when tracing is not started).
 * `sampled` says whether the trace is being exported: attach exemplars only
 * when it is true, so they never point at a trace nobody can open.
 */
export function currentTraceIds(): (TraceIds & { sampled: boolean }) | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return undefined;
  return { traceId: ctx.traceId, spanId: ctx.spanId, sampled: (ctx.traceFlags & TraceFlags.SAMPLED) !== 0 };
}
