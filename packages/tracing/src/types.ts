import type { Attributes } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { INSTRUMENTATION_NAMES } from './semconv';

/** One of the instrumentations this package sets up. */
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number];

/** Where finished spans go. */
export type ExporterKind = 'otlp' | 'console' | 'none';

/**
 * Where OTLP spans are serialised and sent: `worker` (a worker thread; the app's thread only hands
 * finished spans over) or `main` (the app's own thread, as the SDK's `BatchSpanProcessor` does).
 */
export type ExportThread = 'worker' | 'main';

/** OTLP encodings supported over HTTP. */
export type OtlpProtocol = 'http/json' | 'http/protobuf';

/**
 * Which instrumentation makes the SERVER span of an incoming request:
 * `fastify` (one span per request, from `@fastify/otel`; the cheap default) or
 * `http` (node:http makes the SERVER span, `@fastify/otel` adds an INTERNAL
 * `request` span under it; covers non-Fastify servers and Fastify's
 * "incoming request" log line, at about twice the cost).
 */
export type ServerSpans = 'fastify' | 'http';

/** Sampler names of the OpenTelemetry specification (`OTEL_TRACES_SAMPLER`). */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/**
 * Options of `startTracing`. Every option is optional: unset ones come from the
 * standard `OTEL_*` variables, then from the defaults. Options given in code win.
 */
export interface TracingOptions {
  /** `service.name` (env `OTEL_SERVICE_NAME`; default `unknown_service:node`). */
  serviceName?: string;
  /** Extra resource attributes, merged over `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Attributes;
  /** `false` starts nothing and returns a no-op handle (env `OTEL_SDK_DISABLED=true`). */
  enabled?: boolean;
  /** Exporter (env `OTEL_TRACES_EXPORTER`: `otlp` default, `console`, `none`). */
  exporter?: ExporterKind;
  /**
   * Full URL spans are POSTed to (env `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; default `http://localhost:4318/v1/traces`).
   */
  otlpEndpoint?: string;
  /** Encoding (env `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`; default `http/protobuf`, as the OpenTelemetry specification says). */
  otlpProtocol?: OtlpProtocol;
  /**
   * Where OTLP export runs (env `APP_TRACING_EXPORT_THREAD`; default `worker`). `main` is the
   * SDK's usual in-thread export; `console` and custom exporters always run on the app's thread.
   */
  exportThread?: ExportThread;
  /** Extra HTTP headers for the collector (env `OTEL_EXPORTER_OTLP_TRACES_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS`). Never logged. */
  otlpHeaders?: Record<string, string>;
  /** Timeout of one export request in ms (env `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`; default 10000). */
  otlpTimeoutMillis?: number;
  /** Sampler (env `OTEL_TRACES_SAMPLER`; default `parentbased_always_on`). */
  sampler?: SamplerName;
  /** Ratio for the `*traceidratio` samplers, 0..1 (env `OTEL_TRACES_SAMPLER_ARG`; default 1). */
  samplerRatio?: number;
  /** Batch processor bounds: spans kept in memory while the collector is slow or down. */
  batch?: {
    /** Queue bound; spans beyond it are dropped and counted (env `OTEL_BSP_MAX_QUEUE_SIZE`; default 2048). */
    maxQueueSize?: number;
    /** Spans per export request (env `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`; default 512). */
    maxExportBatchSize?: number;
    /** Delay between exports in ms (env `OTEL_BSP_SCHEDULE_DELAY`; default 5000). */
    scheduledDelayMillis?: number;
    /** Give up on one export after this many ms (env `OTEL_BSP_EXPORT_TIMEOUT`; default 30000). */
    exportTimeoutMillis?: number;
  };
  /**
   * Instrumentations to turn on (default: all of `http`, `undici`, `fastify`, `pg`, `ioredis`, `pino`;
   * env `OTEL_NODE_ENABLED_INSTRUMENTATIONS` / `OTEL_NODE_DISABLED_INSTRUMENTATIONS`).
   */
  instrumentations?: readonly InstrumentationName[];
  /** Trace pg and ioredis calls made outside any span, e.g. pool health checks (env `APP_TRACING_BACKGROUND`; default false). */
  traceBackground?: boolean;
  /** Who makes the SERVER span (env `APP_TRACING_SERVER_SPANS`; default `fastify`). See `ServerSpans`. */
  serverSpans?: ServerSpans;
  /** One span per Fastify hook and handler besides the request span (env `APP_TRACING_FASTIFY_HOOK_SPANS`; default false). */
  fastifyHookSpans?: boolean;
  /** Request paths (exact match) that get no server span, e.g. `/health` (default none). */
  ignorePaths?: readonly string[];
  /** Prints the active instrumentations and configuration at start (env `APP_TRACING_DEBUG=true`). */
  debug?: boolean;
  /** Replaces the exporter chosen by `exporter` (tests: an `InMemorySpanExporter`). */
  spanExporter?: SpanExporter;
  /** Export every span at once instead of in batches (tests only: it costs latency). */
  exportImmediately?: boolean;
  /** Where this package writes its own warnings (default: `process.stderr`). */
  log?: (line: string) => void;
}

/** The running tracing setup. */
export interface TracingHandle {
  /** False when tracing was disabled (`enabled: false` / `OTEL_SDK_DISABLED`). */
  readonly enabled: boolean;
  /** The instrumentations that were switched on. */
  readonly instrumentations: readonly InstrumentationName[];
  /** Exports the spans still queued, waiting at most `timeoutMillis` (default 5000). */
  forceFlush(timeoutMillis?: number): Promise<void>;
  /** Flushes within `timeoutMillis` (default 5000), then stops tracing. Safe to call twice. */
  shutdown(timeoutMillis?: number): Promise<void>;
}

/** Counts of what happened to sampled spans since tracing started. */
export interface TracingStats {
  /** Spans the exporter confirmed as delivered. */
  exported: number;
  /** Spans dropped because the queue was full (collector slow or down). */
  droppedQueueFull: number;
  /** Spans dropped because their export failed (collector refused, unreachable or timed out). */
  droppedExportFailed: number;
  /** Sum of the two dropped counts. */
  dropped: number;
  /** Spans waiting in the queue now. */
  queued: number;
  /** Queue bound (`maxQueueSize`). */
  queueCapacity: number;
}

/** One labelled count, structurally the `CounterSample` of `@app/metrics`. */
export interface DroppedSpanSample {
  labels: Record<string, string>;
  value: number;
}

/** Ids of the active span, as lowercase hex. */
export interface TraceIds {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
}
