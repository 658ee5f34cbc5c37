import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  ParentBasedSampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createSampler, RatioSampler } from '../src/sampler';
import { PresetIdGenerator, UnsampledFastPathProvider } from '../src/unsampled-path';

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  contextManager.disable();
  context.disable();
  propagation.disable();
});

function setUp(ratio: number) {
  const exporter = new InMemorySpanExporter();
  const sampler = createSampler('parentbased_traceidratio', ratio);
  const ids = new PresetIdGenerator();
  const sdk = new TracerProvider({
    sampler,
    idGenerator: ids,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = new UnsampledFastPathProvider(sdk, sampler, ids).getTracer('test');
  return { exporter, tracer };
}

const traceparentOf = (ctx = context.active()) => {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
};

describe('spans that will not be recorded', () => {
  it('carry valid ids and the unsampled flag downstream, and their children follow the parent', () => {
    const { exporter, tracer } = setUp(0);
    tracer.startActiveSpan('GET /rewards/:id', (root) => {
      expect(root.isRecording()).toBe(false);
      const { traceId, spanId, traceFlags } = root.spanContext();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toBe('0'.repeat(32));
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(traceFlags).toBe(TraceFlags.NONE);
      expect(traceparentOf()).toBe(`00-${traceId}-${spanId}-00`);
      const child = tracer.startSpan('pg.query');
      expect(child.isRecording()).toBe(false);
      expect(child.spanContext().traceId).toBe(traceId);
      expect(child.spanContext().spanId).not.toBe(spanId);
      child.end();
      root.end();
    });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('follow a sampled remote parent: recorded, in its trace, with the ids the decision was made on', () => {
    const { exporter, tracer } = setUp(0);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const remote = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    const span = tracer.startSpan('GET /claims/:id', { attributes: { 'http.route': '/claims/:id' } }, remote);
    expect(span.isRecording()).toBe(true);
    span.end();
    const [exported] = exporter.getFinishedSpans();
    expect(exported?.spanContext().traceId).toBe(traceId);
    expect(exported?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(exported?.attributes).toEqual({ 'http.route': '/claims/:id' });
  });

  it('follow an unsampled remote parent: not recorded, the flag kept', () => {
    const { tracer } = setUp(1);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const remote = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${traceId}-b7ad6b7169203331-00` });
    const span = tracer.startSpan('GET /claims/:id', {}, remote);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext()).toMatchObject({ traceId, traceFlags: TraceFlags.NONE });
  });

  it('at 100 % every span is recorded by the SDK with distinct ids', () => {
    const { exporter, tracer } = setUp(1);
    for (let i = 0; i < 50; i++) tracer.startActiveSpan('op', (span) => span.end());
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(50);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(50);
    expect(new Set(spans.map((s) => s.spanContext().spanId)).size).toBe(50);
  });
});

describe('spans that will be recorded', () => {
  it('keep the trace id their sampling decision was made on', () => {
    const { exporter, tracer } = setUp(0.5);
    for (let i = 0; i < 400; i++) tracer.startSpan('root').end();
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(100);
    expect(spans.length).toBeLessThan(300);
    // Had the SDK drawn new ids, about half of these would hash to "not sampled".
    const ratio = new RatioSampler(0.5);
    for (const span of spans) {
      expect(ratio.shouldSample(ROOT_CONTEXT, span.spanContext().traceId).decision).toBe(
        SamplingDecision.RECORD_AND_SAMPLED,
      );
    }
  });
});

describe('RatioSampler', () => {
  it('decides as the SDK TraceIdRatioBasedSampler on the same trace ids', () => {
    const ids = new PresetIdGenerator();
    for (const ratio of [0, 0.01, 0.1, 0.5, 0.99, 1]) {
      const ours = new RatioSampler(ratio);
      const sdk = new TraceIdRatioBasedSampler(ratio);
      let sampled = 0;
      for (let i = 0; i < 2_000; i++) {
        const traceId = ids.generateTraceId();
        const decision = ours.shouldSample(ROOT_CONTEXT, traceId).decision;
        expect(decision).toBe(sdk.shouldSample(ROOT_CONTEXT, traceId).decision);
        if (decision === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
      }
      expect(Math.abs(sampled / 2_000 - ratio)).toBeLessThan(0.04);
    }
  });

  it('is the root of the parent-based sampler', () => {
    expect(createSampler('parentbased_traceidratio', 0.25)).toBeInstanceOf(ParentBasedSampler);
    expect(String(createSampler('traceidratio', 0.25))).toBe('TraceIdRatioBased{0.25}');
    void trace;
  });
});
