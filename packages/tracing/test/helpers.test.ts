import { SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import {
  currentTraceIds,
  droppedSpanSamples,
  getTracingStats,
  startTracing,
  type TracingHandle,
  withSpan,
} from '../src';

// In-process: no instrumentation (jest's module registry bypasses require
// hooks); only the SDK, the helpers and the span accounting.
describe('withSpan and currentTraceIds', () => {
  const memory = new InMemorySpanExporter();
  let handle: TracingHandle;

  beforeAll(() => {
    handle = startTracing({ spanExporter: memory, exportImmediately: true, instrumentations: [], serviceName: 'unit' });
  });
  afterAll(() => handle.shutdown());
  beforeEach(() => memory.reset());

  it('returns undefined outside any span', () => {
    expect(currentTraceIds()).toBeUndefined();
  });

  it('nests spans and exposes the active ids inside them', async () => {
    let inner: ReturnType<typeof currentTraceIds>;
    let outer: ReturnType<typeof currentTraceIds>;
    const result = await withSpan('reward.claim', { 'app.claim.id': 7 }, async () => {
      outer = currentTraceIds();
      await new Promise((resolve) => setTimeout(resolve, 5));
      return withSpan('jwt.verify', {}, () => {
        inner = currentTraceIds();
        return 'ok';
      });
    });
    expect(result).toBe('ok');
    const [jwt, claim] = memory.getFinishedSpans();
    expect(jwt?.name).toBe('jwt.verify');
    expect(claim?.name).toBe('reward.claim');
    expect(claim?.attributes['app.claim.id']).toBe(7);
    expect(jwt?.parentSpanContext?.spanId).toBe(claim?.spanContext().spanId);
    expect(outer).toEqual({
      traceId: claim?.spanContext().traceId,
      spanId: claim?.spanContext().spanId,
      sampled: true,
    });
    expect(inner?.spanId).toBe(jwt?.spanContext().spanId);
    expect(inner?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('marks the span as failed and rethrows, for sync throws and rejections', async () => {
    expect(() =>
      withSpan('sync.fail', {}, () => {
        throw new Error('bad token');
      }),
    ).toThrow('bad token');
    await expect(withSpan('async.fail', {}, async () => Promise.reject(new Error('rpc down')))).rejects.toThrow(
      'rpc down',
    );
    const spans = memory.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.status.code, s.status.message])).toEqual([
      ['sync.fail', SpanStatusCode.ERROR, 'bad token'],
      ['async.fail', SpanStatusCode.ERROR, 'rpc down'],
    ]);
    expect(spans[0]?.events[0]?.name).toBe('exception');
  });

  it('returns the running handle on a second start', () => {
    const lines: string[] = [];
    expect(startTracing({ serviceName: 'again', log: (l) => lines.push(l) })).toBe(handle);
    expect(lines[0]).toContain('already started');
  });
});

describe('getTracingStats', () => {
  /** An exporter whose calls never complete, like a collector that accepts and hangs. */
  class HangingExporter implements SpanExporter {
    calls = 0;
    export(): void {
      this.calls++;
    }
    async shutdown(): Promise<void> {}
  }
  /** An exporter that refuses every batch, like a collector that is down. */
  class FailingExporter implements SpanExporter {
    export(spans: ReadableSpan[], done: (result: { code: ExportResultCode; error?: Error }) => void): void {
      done({ code: ExportResultCode.FAILED, error: new Error(`refused ${spans.length}`) });
    }
    async shutdown(): Promise<void> {}
  }

  it('is all zero before tracing starts', () => {
    expect(getTracingStats()).toEqual({
      exported: 0,
      droppedQueueFull: 0,
      droppedExportFailed: 0,
      dropped: 0,
      queued: 0,
      queueCapacity: 0,
    });
  });

  it('counts spans dropped on a full queue and logs them once', async () => {
    const lines: string[] = [];
    const exporter = new HangingExporter();
    const handle = startTracing({
      spanExporter: exporter,
      instrumentations: [],
      batch: { maxQueueSize: 4, maxExportBatchSize: 2, scheduledDelayMillis: 60_000, exportTimeoutMillis: 100 },
      log: (line) => lines.push(line),
    });
    for (let i = 0; i < 10; i++) withSpan(`step.${i}`, {}, () => undefined);
    // 2 spans went out in the first (hanging) export, 4 wait in the queue, 4 had no room.
    expect(exporter.calls).toBe(1);
    expect(getTracingStats()).toMatchObject({ droppedQueueFull: 4, dropped: 4, queued: 4, queueCapacity: 4 });
    expect(lines.filter((l) => l.includes('dropped'))).toHaveLength(1);
    expect(lines[0]).toContain('queue full');
    // The hung exports time out (100 ms) and shutdown stays bounded.
    await handle.shutdown(1000);
  });

  it('counts spans whose export failed', async () => {
    const lines: string[] = [];
    const handle = startTracing({
      spanExporter: new FailingExporter(),
      instrumentations: [],
      batch: { maxQueueSize: 100, maxExportBatchSize: 3, scheduledDelayMillis: 60_000 },
      log: (line) => lines.push(line),
    });
    for (let i = 0; i < 6; i++) withSpan(`step.${i}`, {}, () => undefined);
    await handle.forceFlush();
    expect(getTracingStats()).toMatchObject({ exported: 0, droppedExportFailed: 6, dropped: 6, queued: 0 });
    expect(droppedSpanSamples()).toEqual([
      { labels: { reason: 'queue_full' }, value: 0 },
      { labels: { reason: 'export_failed' }, value: 6 },
    ]);
    expect(lines.some((l) => l.includes('export failed'))).toBe(true);
    await handle.shutdown();
  });

  it('counts exported spans', async () => {
    const memory = new InMemorySpanExporter();
    const handle = startTracing({
      spanExporter: memory,
      instrumentations: [],
      batch: { scheduledDelayMillis: 60_000 },
    });
    for (let i = 0; i < 5; i++) withSpan(`step.${i}`, {}, () => undefined);
    expect(getTracingStats().queued).toBe(5);
    await handle.forceFlush();
    expect(getTracingStats()).toMatchObject({ exported: 5, dropped: 0, queued: 0 });
    expect(memory.getFinishedSpans()).toHaveLength(5);
    await handle.shutdown();
  });
});
