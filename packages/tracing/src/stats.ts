import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Meter,
  type MeterProvider,
  type ObservableCallback,
  type ObservableResult,
  type ObservableUpDownCounter,
} from '@opentelemetry/api';
import { LOG_PREFIX } from './semconv';
import type { TracingStats } from './types';

// The batch span processor reports what happens to every span through its
// self-observability metrics (`otel.sdk.processor.span.processed`, with
// `error.type` = `queue_full` for queue drops, the error name for failed
// exports). Reading them through this minimal MeterProvider keeps the counts
// exact without a metrics SDK and without depending on @app/metrics.
const PROCESSED = 'otel.sdk.processor.span.processed';
const QUEUE_SIZE = 'otel.sdk.processor.span.queue.size';
const ERROR_TYPE = 'error.type';
/** `error.type` of spans dropped because the queue was full. */
export const QUEUE_FULL = 'queue_full';

const DROP_LOG_INTERVAL_MS = 10_000;

/** Counts spans by outcome and logs drops at most once per interval. */
export class SpanStats {
  private exported = 0;
  private droppedQueueFull = 0;
  private droppedExportFailed = 0;
  private loggedDropped = 0;
  private readonly queueCallbacks: ObservableCallback[] = [];
  private queuedReader: (() => number) | undefined;
  private timer: NodeJS.Timeout | undefined;

  /**
   * `onRecord` is called after every count (the export worker uses it to report its counts to
   * the request thread).
   */
  constructor(
    readonly queueCapacity: number,
    private readonly log: (line: string) => void,
    private readonly onRecord?: () => void,
  ) {}

  /**
   * Counts `value` spans as exported (`outcome` undefined), dropped with a full queue
   * (`queue_full`) or dropped by a failed export (anything else), as the batch processor's
   * `error.type` does. Used for the counts the export worker reports.
   */
  count(value: number, outcome?: string): void {
    if (value > 0) this.record(value, outcome === undefined ? undefined : { [ERROR_TYPE]: outcome });
  }

  /** Reads the queue length from `reader` instead of the batch processor's gauge. */
  readQueuedFrom(reader: () => number): void {
    this.queuedReader = reader;
  }

  /** The MeterProvider to hand to `BatchSpanProcessor` as `selfObsMeterProvider`. */
  meterProvider(): MeterProvider {
    const noop = createNoopMeter();
    const meter: Meter = Object.assign(Object.create(noop) as Meter, {
      createCounter: (name: string): Counter => {
        if (name !== PROCESSED) return noop.createCounter(name);
        return { add: (value: number, attributes?: Attributes) => this.record(value, attributes) };
      },
      createObservableUpDownCounter: (name: string): ObservableUpDownCounter => {
        if (name !== QUEUE_SIZE) return noop.createObservableUpDownCounter(name);
        return {
          addCallback: (callback: ObservableCallback) => {
            this.queueCallbacks.push(callback);
          },
          removeCallback: (callback: ObservableCallback) => {
            const at = this.queueCallbacks.indexOf(callback);
            if (at >= 0) this.queueCallbacks.splice(at, 1);
          },
        };
      },
    });
    return { getMeter: () => meter };
  }

  private record(value: number, attributes: Attributes | undefined): void {
    const errorType = attributes?.[ERROR_TYPE];
    if (errorType === undefined) {
      this.exported += value;
      this.onRecord?.();
      return;
    }
    if (errorType === QUEUE_FULL) this.droppedQueueFull += value;
    else this.droppedExportFailed += value;
    this.onRecord?.();
    // The first drop is reported at once; later ones are summed per interval
    // so a collector outage writes one line every few seconds, not one per span.
    if (this.loggedDropped === 0) this.logDrops();
    this.timer ??= setInterval(() => this.logDrops(), DROP_LOG_INTERVAL_MS).unref();
  }

  /** Writes one line when spans were dropped since the last line. */
  logDrops(): void {
    const s = this.read();
    if (s.dropped === this.loggedDropped) return;
    const since = s.dropped - this.loggedDropped;
    this.loggedDropped = s.dropped;
    this.log(
      `${LOG_PREFIX} dropped ${since} span(s) (total ${s.dropped}: queue full ${s.droppedQueueFull}, export failed ${s.droppedExportFailed}); is the collector reachable?`,
    );
  }

  /** Current counts. */
  read(): TracingStats {
    let queued = this.queuedReader?.() ?? 0;
    const result: ObservableResult = {
      observe: (value: number) => {
        queued += value;
      },
    };
    for (const callback of this.queueCallbacks) void callback(result);
    return {
      exported: this.exported,
      droppedQueueFull: this.droppedQueueFull,
      droppedExportFailed: this.droppedExportFailed,
      dropped: this.droppedQueueFull + this.droppedExportFailed,
      queued,
      queueCapacity: this.queueCapacity,
    };
  }

  /** Stops the periodic drop line, writing a last one if needed. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.logDrops();
  }
}
