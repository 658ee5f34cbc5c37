import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Context, TraceFlags } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { ResolvedConfig } from './config';
import { LOG_PREFIX } from './semconv';
import { toWire, type WireResource, type WireScope, type WireSpan, wireResource, wireScope } from './span-wire';
import { QUEUE_FULL, type SpanStats } from './stats';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-messages';

/** Spans handed to the worker in one message at most. */
const HANDOVER_BATCH = 128;
/** A span waits at most this long on the request thread before it is handed over. */
const HANDOVER_DELAY_MS = 50;
/** `error.type` of spans lost because the export worker is gone. */
const WORKER_GONE = 'worker_exited';

/** The worker's entry, next to this file in `dist/`; `undefined` when it is missing (a bundled app). */
export function exportWorkerFile(): string | undefined {
  const file = join(__dirname, 'export-worker.js');
  return existsSync(file) ? file : undefined;
}

/**
 * A `SpanProcessor` that exports on a worker thread. `onEnd` only turns the finished span into its
 * wire form (span-wire.ts) and queues it; every `HANDOVER_BATCH` spans, or `HANDOVER_DELAY_MS`
 * after the first queued one, the batch goes to the worker in one `postMessage`. The worker runs
 * the SDK's `BatchSpanProcessor` with the configured OTLP exporter and reports its counts back.
 *
 * The queue bound (`maxQueueSize`) covers every span handed over and not yet exported or dropped
 * by the worker: beyond it new spans are dropped here and counted as `queue_full`, so memory on
 * both threads stays bounded whatever the collector does.
 */
export class WorkerExportProcessor implements SpanProcessor {
  private readonly worker: Worker;
  private readonly capacity: number;
  private buffer: WireSpan[] = [];
  private newResources: WireResource[] = [];
  private newScopes: WireScope[] = [];
  private readonly resources = new Map<Resource, number>();
  private readonly scopes = new Map<InstrumentationScope, number>();
  private timer: NodeJS.Timeout | undefined;
  /** Spans accepted on this thread, and how many of them the worker exported or dropped. */
  private accepted = 0;
  private resolved = 0;
  private readonly workerCounts = { exported: 0, queueFull: 0, exportFailed: 0 };
  private readonly waits = new Map<number, () => void>();
  private nextWait = 0;
  private gone = false;
  private stopping = false;
  private readonly handOverNow = () => this.handOver();

  constructor(
    config: ResolvedConfig,
    file: string,
    private readonly stats: SpanStats,
    private readonly log: (line: string) => void,
    diagLevel: number | undefined,
  ) {
    this.capacity = config.batch.maxQueueSize;
    const setup: WorkerSetup = { appTracingExportWorker: true, config, diagLevel };
    // No execArgv: a `--import @app/tracing/register` of the app must not start tracing in the worker.
    this.worker = new Worker(file, { workerData: setup, execArgv: [], name: '@app/tracing export' });
    this.worker.on('message', (message: FromWorker) => this.onMessage(message));
    this.worker.on('error', (error) => this.onGone(`failed: ${error.message}`));
    this.worker.on('exit', (code) => this.onGone(`exited with code ${code}`));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref();
    stats.readQueuedFrom(() => this.accepted - this.resolved);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.gone) {
      this.stats.count(1, WORKER_GONE);
      return;
    }
    if (this.accepted - this.resolved >= this.capacity) {
      this.stats.count(1, QUEUE_FULL);
      return;
    }
    this.accepted++;
    this.buffer.push(toWire(span, this.resourceId(span.resource), this.scopeId(span.instrumentationScope)));
    if (this.buffer.length >= HANDOVER_BATCH) this.handOver();
    else this.timer ??= setTimeout(this.handOverNow, HANDOVER_DELAY_MS).unref();
  }

  /** Hands over what is queued, then resolves when the worker has exported (or dropped) everything it holds. */
  forceFlush(): Promise<void> {
    return this.ask('flush');
  }

  /** Flushes, shuts the exporter down and ends the worker. */
  async shutdown(): Promise<void> {
    await this.ask('shutdown');
    await this.terminate();
  }

  /**
   * Stops waiting for the worker (a flush that outlived its time bound): pending flushes resolve
   * and the worker no longer keeps the process alive.
   */
  stopWaiting(): void {
    for (const resolve of this.waits.values()) resolve();
    this.waits.clear();
    this.worker.unref();
  }

  /** Ends the worker at once; spans it still held are lost (and counted as dropped). */
  async terminate(): Promise<void> {
    this.stopping = true;
    this.stopWaiting();
    if (this.gone) return;
    this.gone = true;
    // Counted first: the worker no longer holds the process open, which may end before it has.
    this.countLost();
    await this.worker.terminate();
  }

  private resourceId(resource: Resource): number {
    let id = this.resources.get(resource);
    if (id === undefined) {
      id = this.resources.size;
      this.resources.set(resource, id);
      this.newResources.push(wireResource(id, resource));
    }
    return id;
  }

  private scopeId(scope: InstrumentationScope): number {
    let id = this.scopes.get(scope);
    if (id === undefined) {
      id = this.scopes.size;
      this.scopes.set(scope, id);
      this.newScopes.push(wireScope(id, scope));
    }
    return id;
  }

  private handOver(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0 || this.gone) return;
    const message: ToWorker = {
      type: 'spans',
      resources: this.newResources,
      scopes: this.newScopes,
      spans: this.buffer,
    };
    this.buffer = [];
    this.newResources = [];
    this.newScopes = [];
    this.worker.postMessage(message);
  }

  private ask(type: 'flush' | 'shutdown'): Promise<void> {
    this.handOver();
    if (this.gone) return Promise.resolve();
    const id = ++this.nextWait;
    return new Promise<void>((resolve) => {
      this.waits.set(id, resolve);
      // While the request thread waits for the worker, the worker keeps the process alive.
      this.worker.ref();
      this.worker.postMessage({ type, id } satisfies ToWorker);
    });
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'counts': {
        // Spans of a worker already counted as lost are not counted again.
        if (this.gone) return;
        const c = this.workerCounts;
        this.stats.count(message.exported - c.exported);
        this.stats.count(message.queueFull - c.queueFull, QUEUE_FULL);
        this.stats.count(message.exportFailed - c.exportFailed, 'export_failed');
        this.resolved += message.exported - c.exported + message.queueFull - c.queueFull;
        this.resolved += message.exportFailed - c.exportFailed;
        c.exported = message.exported;
        c.queueFull = message.queueFull;
        c.exportFailed = message.exportFailed;
        return;
      }
      case 'done': {
        this.waits.get(message.id)?.();
        this.waits.delete(message.id);
        if (this.waits.size === 0) this.worker.unref();
        return;
      }
      case 'log':
        this.log(`${LOG_PREFIX} otel (export worker): ${message.line}`);
        return;
    }
  }

  private onGone(why: string): void {
    if (this.gone) return;
    this.gone = true;
    if (!this.stopping) {
      this.log(`${LOG_PREFIX} ERROR: the span export worker ${why}; spans are dropped from now on`);
    }
    this.stopWaiting();
    this.countLost();
  }

  /** Spans handed over that the worker never reported on are lost with it. */
  private countLost(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = [];
    const lost = this.accepted - this.resolved;
    this.resolved = this.accepted;
    this.stats.count(lost, WORKER_GONE);
  }
}
