// CPU per request of the benchmark route through `app.inject()` (no sockets, no load generator),
// printed as JSON: the part of a request's cost an integration adds, measured with process.cpuUsage()
// in the process itself (and with process.threadCpuUsage() for the main thread alone), which a shared machine disturbs much less than req/s. Started by
// benchmarks/cpu.js with the same BENCH_MODE / preload / OTEL_* settings as server.cjs.
const mode = process.env.BENCH_MODE ?? 'untraced';
const Fastify = require('fastify');

async function main() {
  const app = Fastify({ logger: false });
  if (mode === 'empty-hooks') {
    app.addHook('onRequest', (_request, _reply, done) => done());
    app.addHook('onSend', (_request, _reply, payload, done) => done(null, payload));
    app.addHook('onResponse', (_request, _reply, done) => done());
  }
  app.get('/rewards/:id', async (request) => ({ id: request.params.id, amount: '25.0000000', asset: 'LEARN' }));
  await app.ready();
  const batch = Number(process.env.BENCH_BATCH ?? 20_000);
  const run = async (n) => {
    for (let i = 0; i < n; i += 100) {
      const pending = [];
      for (let j = 0; j < 100; j++) pending.push(app.inject({ method: 'GET', url: `/rewards/${i + j}` }));
      await Promise.all(pending);
    }
  };
  await run(batch); // warm-up
  // Each sample ends with a flush, so the export work of its spans is inside it wherever it runs (a
  // batch processor on the main thread may otherwise leave most of it until after the measurement).
  const tracing = process.env.BENCH_MODE === 'app-tracing' ? require('@app/tracing') : undefined;
  await tracing?.flushTracing(60_000);
  const samples = [];
  for (let k = 0; k < 3; k++) {
    const before = process.cpuUsage();
    const beforeThread = process.threadCpuUsage();
    await run(batch);
    await tracing?.flushTracing(60_000);
    const used = process.cpuUsage(before);
    const thread = process.threadCpuUsage(beforeThread);
    samples.push([(used.user + used.system) / batch, (thread.user + thread.system) / batch]);
  }
  samples.sort((a, b) => a[0] - b[0]);
  const stats = tracing?.getTracingStats();
  process.stdout.write(
    `${JSON.stringify({ cpuMicrosPerRequest: samples[1][0], mainThreadMicrosPerRequest: samples[1][1], stats })}\n`,
  );
  await app.close();
  process.exit(0);
}

main();
