import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/** A span whose every call is guarded: a broken tracer never reaches the submission. */
export interface SafeSpan {
  readonly context: Context;
  set(attributes: Attributes): void;
  fail(error: unknown, message?: string): void;
  end(): void;
}

/** Starts guarded spans as children of `parent` (default: the active context). */
export class SpanFactory {
  constructor(
    private readonly tracer: Tracer,
    private readonly report: (error: unknown) => void,
  ) {}

  start(name: string, attributes: Attributes, parent: Context = context.active(), kind = SpanKind.INTERNAL): SafeSpan {
    let span: Span | undefined;
    try {
      span = this.tracer.startSpan(name, { attributes, kind }, parent);
    } catch (error) {
      this.report(error);
    }
    const report = this.report;
    let spanContext: Context | undefined;
    return {
      // Built on demand, once: only what runs inside the span needs it.
      get context() {
        if (spanContext === undefined) {
          try {
            spanContext = span ? trace.setSpan(parent, span) : parent;
          } catch (error) {
            report(error);
            spanContext = parent;
          }
        }
        return spanContext;
      },
      set(attrs) {
        try {
          span?.setAttributes(attrs);
        } catch (error) {
          report(error);
        }
      },
      fail(error, message) {
        try {
          if (error !== undefined) span?.recordException(error instanceof Error ? error : String(error));
          span?.setStatus({
            code: SpanStatusCode.ERROR,
            message: message ?? (error instanceof Error ? error.message : undefined),
          });
        } catch (err) {
          report(err);
        }
      },
      end() {
        try {
          span?.end();
        } catch (error) {
          report(error);
        }
      },
    };
  }
}
