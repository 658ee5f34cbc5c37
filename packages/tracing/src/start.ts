import { context, DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type ResolvedConfig, resolveConfig } from './config';
import { createExporter } from './exporter';
import { createInstrumentations } from './instrumentations';
import { loadedBeforeStart } from './loaded-modules';
import { createSampler } from './sampler';
import { DROP_REASON_EXPORT_FAILED, DROP_REASON_QUEUE_FULL, LABEL_DROP_REASON, LOG_PREFIX } from './semconv';
import { type GlobalState, globalState } from './state';
import { SpanStats } from './stats';
import type { DroppedSpanSample, TracingHandle, TracingOptions, TracingStats } from './types';
import { PresetIdGenerator, UnsampledFastPathProvider } from './unsampled-path';
import { exportWorkerFile, WorkerExportProcessor } from './worker-export';

const DEFAULT_FLUSH_TIMEOUT_MS = 5000;

function writeStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Resolves after `promise` or after `ms`, whichever is first; never rejects. */
async function bounded(promise: Promise<unknown>, ms: number, what: string, log: (line: string) => void) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([promise.then(() => 'done' as const), timeout]);
    if (outcome === 'timeout') log(`${LOG_PREFIX} ${what} did not finish within ${ms} ms; continuing`);
  } catch (error) {
    log(`${LOG_PREFIX} ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The endpoint without credentials, for log lines. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function describe(config: ResolvedConfig, custom: boolean, onWorker: boolean): string {
  const exporter = custom
    ? 'custom'
    : config.exporter === 'otlp'
      ? `otlp ${config.otlpProtocol} -> ${safeUrl(config.otlpEndpoint)} (${onWorker ? 'worker thread' : 'main thread'})`
      : config.exporter;
  const sampler = config.sampler.includes('ratio') ? `${config.sampler}(${config.samplerRatio})` : config.sampler;
  return `service=${config.serviceName} exporter=${exporter} sampler=${sampler} queue=${config.batch.maxQueueSize}`;
}

const DIAG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** The OpenTelemetry diagnostics level the operator asked for (`OTEL_LOG_LEVEL`, or INFO with debug on). */
function diagLevel(debug: boolean): DiagLogLevel | undefined {
  return DIAG_LEVELS[process.env.OTEL_LOG_LEVEL?.toLowerCase() ?? ''] ?? (debug ? DiagLogLevel.INFO : undefined);
}

function setUpDiag(level: DiagLogLevel | undefined, log: (line: string) => void): void {
  if (level === undefined) return;
  const write = (message: string) => log(`${LOG_PREFIX} otel: ${message}`);
  diag.setLogger(
    { error: write, warn: write, info: write, debug: write, verbose: write },
    { logLevel: level, suppressOverrideMessage: true },
  );
}

function noopHandle(): TracingHandle {
  return {
    enabled: false,
    instrumentations: [],
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

/**
 * Starts the OpenTelemetry SDK: tracer provider, W3C propagation,
 * AsyncLocalStorage context, exporter and instrumentations. Call it before the
 * instrumented modules (fastify, pg, ioredis, pino) are loaded, or use the
 * `@app/tracing/register` preload which does exactly that.
 *
 * A second call returns the running handle unchanged (a preload already started it).
 * Throws `TracingError` for an option or `OTEL_*` value it cannot honour.
 */
export function startTracing(options: TracingOptions = {}): TracingHandle {
  const state = globalState();
  const log = options.log ?? writeStderr;
  if (state.handle) {
    if (Object.keys(options).length > 0 && state.handle.enabled) {
      log(`${LOG_PREFIX} tracing already started (by the preload?); options of this call are ignored`);
    }
    return state.handle;
  }

  const config = resolveConfig(options);
  if (!config.enabled) {
    if (config.debug) log(`${LOG_PREFIX} tracing disabled (OTEL_SDK_DISABLED or enabled: false)`);
    state.handle = noopHandle();
    return state.handle;
  }
  const level = diagLevel(config.debug);
  setUpDiag(level, log);

  const early = loadedBeforeStart(config.instrumentations);
  for (const moduleName of early) {
    log(
      `${LOG_PREFIX} WARNING: '${moduleName}' was loaded before tracing started, so it may not be traced; start the app with \`node --import @app/tracing/register\` or call startTracing() before importing it`,
    );
  }

  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );

  const stats = new SpanStats(config.batch.maxQueueSize, log);
  const processors: SpanProcessor[] = [];
  // OTLP export runs on a worker thread unless the app asked otherwise (or the worker's file is
  // missing, as in a bundle that left it out: then it runs here, and says so).
  let workerFile: string | undefined;
  if (
    config.exporter === 'otlp' &&
    config.exportThread === 'worker' &&
    !options.spanExporter &&
    !options.exportImmediately
  ) {
    workerFile = exportWorkerFile();
    if (!workerFile) {
      log(
        `${LOG_PREFIX} WARNING: dist/export-worker.js not found next to @app/tracing; exporting spans on the main thread`,
      );
    }
  }
  const workerExport = workerFile ? new WorkerExportProcessor(config, workerFile, stats, log, level) : undefined;
  const exporter = workerExport ? undefined : (options.spanExporter ?? createExporter(config));
  if (workerExport) processors.push(workerExport);
  if (exporter) {
    processors.push(
      options.exportImmediately
        ? new SimpleSpanProcessor({ exporter })
        : new BatchSpanProcessor({ exporter, ...config.batch, selfObsMeterProvider: stats.meterProvider() }),
    );
  }
  const sampler = createSampler(config.sampler, config.samplerRatio);
  const ids = new PresetIdGenerator();
  const provider = new TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName }),
    ),
    sampler,
    idGenerator: ids,
    spanProcessors: processors,
  });
  // Spans that will not be recorded never reach the SDK tracer (see unsampled-path.ts).
  const tracerProvider = new UnsampledFastPathProvider(provider, sampler, ids);
  trace.setGlobalTracerProvider(tracerProvider);

  const instrumentations = createInstrumentations(config, (active) => void contextManager.attach(active));
  const unregister = registerInstrumentations({
    instrumentations: [...instrumentations.values()],
    tracerProvider,
  });

  if (config.debug) {
    log(`${LOG_PREFIX} started: ${describe(config, options.spanExporter !== undefined, workerExport !== undefined)}`);
    for (const [name, instrumentation] of instrumentations) {
      log(
        `${LOG_PREFIX} instrumentation ${name}: ${instrumentation.instrumentationName}@${instrumentation.instrumentationVersion}`,
      );
    }
    const off = ['http', 'undici', 'fastify', 'pg', 'ioredis', 'pino'].filter(
      (name) => !config.instrumentations.includes(name as never),
    );
    if (off.length > 0) log(`${LOG_PREFIX} instrumentations off: ${off.join(', ')}`);
  }

  let stopped: Promise<void> | undefined;
  const handle: TracingHandle = {
    enabled: true,
    instrumentations: [...instrumentations.keys()],
    async forceFlush(timeoutMillis = DEFAULT_FLUSH_TIMEOUT_MS) {
      await bounded(provider.forceFlush({ timeoutMillis }), timeoutMillis, 'span flush', log);
      // A flush that outlived its bound must not keep the process alive through the worker.
      workerExport?.stopWaiting();
    },
    shutdown(timeoutMillis = DEFAULT_FLUSH_TIMEOUT_MS) {
      stopped ??= (async () => {
        process.removeListener('beforeExit', onBeforeExit);
        await bounded(provider.shutdown(), timeoutMillis, 'span flush', log);
        // Past the bound, the worker is ended with what it still holds (counted as dropped).
        await workerExport?.terminate();
        stats.stop();
        unregister();
        trace.disable();
        propagation.disable();
        context.disable();
        if (state.handle === handle) {
          state.handle = undefined;
          state.stats = undefined;
          state.fastify = undefined;
        }
      })();
      return stopped;
    },
  };
  // A process that ends by running out of work still exports its last spans.
  const onBeforeExit = () => void handle.shutdown();
  process.once('beforeExit', onBeforeExit);

  state.handle = handle;
  state.stats = stats;
  state.fastify = instrumentations.get('fastify') as GlobalState['fastify'];
  return handle;
}

/**
 * What happened to sampled spans so far: exported, dropped (queue full or
 * export failed) and queued. All zero before tracing starts. Feed it to
 * `@app/metrics` with `registerCounterSource(registry, { ..., read })`.
 */
export function getTracingStats(): TracingStats {
  const stats = globalState().stats;
  if (stats) return stats.read();
  return { exported: 0, droppedQueueFull: 0, droppedExportFailed: 0, dropped: 0, queued: 0, queueCapacity: 0 };
}

/**
 * Dropped-span counts by reason, in the shape `registerCounterSource` of
 * `@app/metrics` reads:
 * `registerCounterSource(registry, { name: METRIC_SPANS_DROPPED, help, labelNames: [LABEL_DROP_REASON], read: droppedSpanSamples })`.
 */
export function droppedSpanSamples(): DroppedSpanSample[] {
  const stats = getTracingStats();
  return [
    { labels: { [LABEL_DROP_REASON]: DROP_REASON_QUEUE_FULL }, value: stats.droppedQueueFull },
    { labels: { [LABEL_DROP_REASON]: DROP_REASON_EXPORT_FAILED }, value: stats.droppedExportFailed },
  ];
}
