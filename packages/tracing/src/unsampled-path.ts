import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { type IdGenerator, type Sampler, SamplingDecision } from '@opentelemetry/sdk-trace';

const NO_ATTRIBUTES = Object.freeze({});
const NO_LINKS: never[] = [];

const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function hex8(word: number): string {
  return (
    HEX_BYTES[word >>> 24]! + HEX_BYTES[(word >>> 16) & 255]! + HEX_BYTES[(word >>> 8) & 255]! + HEX_BYTES[word & 255]!
  );
}

function randomWord(): number {
  return (Math.random() * 0x100000000) >>> 0;
}

/**
 * Random W3C trace and span ids (as the SDK's `RandomIdGenerator`: `Math.random`, never all
 * zeros), without a shared buffer and hex encoding per id. `preset` hands the ids the fast path
 * already chose to the SDK tracer, so a sampled span keeps the ids its sampling decision was made on.
 */
export class PresetIdGenerator implements IdGenerator {
  private nextTraceId: string | undefined;
  private nextSpanId: string | undefined;

  preset(traceId: string | undefined, spanId: string): void {
    this.nextTraceId = traceId;
    this.nextSpanId = spanId;
  }

  generateTraceId(): string {
    const preset = this.nextTraceId;
    if (preset !== undefined) {
      this.nextTraceId = undefined;
      return preset;
    }
    const last = randomWord() || 1;
    return hex8(randomWord()) + hex8(randomWord()) + hex8(randomWord()) + hex8(last);
  }

  generateSpanId(): string {
    const preset = this.nextSpanId;
    if (preset !== undefined) {
      this.nextSpanId = undefined;
      return preset;
    }
    return hex8(randomWord()) + hex8(randomWord() || 1);
  }
}

/**
 * A tracer that decides sampling before the SDK tracer is involved. A span that will not be
 * recorded becomes a non-recording span carrying its ids and the sampling flag, which is all
 * context propagation needs (`traceparent` downstream, parent-based decisions of child spans);
 * the SDK's attribute sanitising, link copying, span metrics and debug logging are skipped for it.
 * A span that will be recorded is created by the SDK tracer with the same ids, so the sampler
 * (deterministic for every sampler `createSampler` builds) makes the same decision again.
 */
class UnsampledFastPathTracer implements Tracer {
  constructor(
    private readonly inner: Tracer,
    private readonly sampler: Sampler,
    private readonly ids: PresetIdGenerator,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    if (options.root || isTracingSuppressed(ctx)) return this.inner.startSpan(name, options, ctx);
    const parent = trace.getSpanContext(ctx);
    const validParent = parent !== undefined && isSpanContextValid(parent) ? parent : undefined;
    const spanId = this.ids.generateSpanId();
    const traceId = validParent === undefined ? this.ids.generateTraceId() : validParent.traceId;
    const result = this.sampler.shouldSample(
      ctx,
      traceId,
      name,
      options.kind ?? SpanKind.INTERNAL,
      options.attributes ?? NO_ATTRIBUTES,
      options.links ?? NO_LINKS,
    );
    if (result.decision === SamplingDecision.NOT_RECORD) {
      const spanContext: SpanContext = {
        traceId,
        spanId,
        traceFlags: TraceFlags.NONE,
        traceState: result.traceState ?? validParent?.traceState,
      };
      return trace.wrapSpanContext(spanContext);
    }
    this.ids.preset(validParent === undefined ? traceId : undefined, spanId);
    return this.inner.startSpan(name, options, ctx);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> {
    let options: SpanOptions = {};
    let ctx: Context = context.active();
    let fn: F;
    if (typeof a === 'function') fn = a;
    else if (typeof b === 'function') {
      options = a ?? {};
      fn = b;
    } else {
      options = a ?? {};
      ctx = b ?? ctx;
      fn = c as F;
    }
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}

/**
 * Wraps the SDK tracer provider so that every tracer takes the fast path for spans that will not
 * be recorded (see {@link UnsampledFastPathTracer}). `sampler` and `ids` must be the ones the SDK
 * provider was built with.
 */
export class UnsampledFastPathProvider implements TracerProvider {
  private readonly tracers = new Map<string, Tracer>();

  constructor(
    private readonly inner: TracerProvider,
    private readonly sampler: Sampler,
    private readonly ids: PresetIdGenerator,
  ) {}

  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      tracer = new UnsampledFastPathTracer(this.inner.getTracer(name, version, options), this.sampler, this.ids);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }
}
