// The benchmarked service: one Fastify JSON route. BENCH_MODE picks the setup:
//   untraced             no OpenTelemetry at all
//   app-tracing          @app/tracing, started by the preload (--import @app/tracing/register)
//   empty-hooks          no OpenTelemetry; empty hooks where @fastify/otel adds its own
//                        (onRequest, onSend, onResponse): the floor of @fastify/otel's integration
//   one-hook             no OpenTelemetry; one empty onRequest hook: the floor of @app/tracing's
//                        (its onError hook runs only for failing requests)
//   default-composition  the stock setup: @fastify/otel defaults (hook and handler spans,
//                        registered as a plugin) + http instrumentation, no-op exporter
const mode = process.env.BENCH_MODE ?? 'untraced';
let fastifyOtel;

if (mode === 'default-composition') {
  const { context, propagation, trace } = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator, ExportResultCode } = require('@opentelemetry/core');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const { BatchSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
  const { FastifyOtelInstrumentation } = require('@fastify/otel');
  const noopExporter = {
    export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
    shutdown: async () => {},
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: noopExporter })] });
  trace.setGlobalTracerProvider(provider);
  fastifyOtel = new FastifyOtelInstrumentation();
  registerInstrumentations({ instrumentations: [new HttpInstrumentation(), fastifyOtel], tracerProvider: provider });
}

const Fastify = require('fastify');

async function main() {
  const app = Fastify({ logger: false });
  if (fastifyOtel) await app.register(fastifyOtel.plugin());
  if (mode === 'one-hook') app.addHook('onRequest', (_request, _reply, done) => done());
  if (mode === 'empty-hooks') {
    app.addHook('onRequest', (_request, _reply, done) => done());
    app.addHook('onSend', (_request, _reply, payload, done) => done(null, payload));
    app.addHook('onResponse', (_request, _reply, done) => done());
  }
  app.get('/rewards/:id', async (request) => ({ id: request.params.id, amount: '25.0000000', asset: 'LEARN' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ listening: app.server.address().port })}\n`);
  // The bench reads the CPU time spent between two SIGUSR2: CPU per request is
  // far less sensitive than req/s to other processes sharing the machine.
  // `thread` is the main thread alone (the event loop that serves requests); `cpu` adds every other
  // thread of the process (GC helpers, the span export worker).
  process.on('SIGUSR2', () =>
    process.stdout.write(`${JSON.stringify({ cpu: process.cpuUsage(), thread: process.threadCpuUsage() })}\n`),
  );
  // BENCH_PROFILE=<file>: a V8 CPU profile of the time between SIGUSR1 and SIGTERM (after warm-up,
  // so start-up and module loading stay out of it), written to <file> (see benchmarks/profile.js).
  let profiler;
  if (process.env.BENCH_PROFILE) {
    const inspector = require('node:inspector');
    process.removeAllListeners('SIGUSR1'); // no debugger on SIGUSR1 for this process
    process.on('SIGUSR1', () => {
      profiler = new inspector.Session();
      profiler.connect();
      profiler.post('Profiler.enable', () => profiler.post('Profiler.start'));
    });
  }
  const stopProfiler = () =>
    new Promise((resolve) => {
      if (!profiler) return resolve();
      profiler.post('Profiler.stop', (error, result) => {
        if (!error) require('node:fs').writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(result.profile));
        resolve();
      });
    });
  process.on('SIGTERM', async () => {
    await stopProfiler();
    await app.close();
    const { getTracingStats } = require('@app/tracing');
    process.stdout.write(`${JSON.stringify({ stats: getTracingStats() })}\n`);
    process.exit(0);
  });
}

main();
