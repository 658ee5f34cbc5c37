'use strict';
// CPU added per request by each integration, without sockets or a load generator: every variant
// is a Fastify app in this one process, driven through app.inject() in interleaved rounds. Less
// sensitive to a busy machine than the throughput benchmark (http.js), and it isolates the
// plugin's own cost; it does not model network I/O.
// Run: pnpm --filter @app/metrics build && node benchmarks/inject.js [requests-per-round=5000] [rounds=9]
const Fastify = require('fastify');
const { createMetrics } = require('../dist/index.js');
const { metricsPlugin } = require('../dist/fastify.js');

const perRound = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 9);

async function build(variant) {
  const app = Fastify({ logger: false });
  if (variant === 'app-metrics') await app.register(metricsPlugin, { metrics: createMetrics() });
  if (variant === 'prom-client-hook') {
    const { Counter, Histogram, Registry } = require('prom-client');
    const registers = [new Registry()];
    const labelNames = ['method', 'route', 'status_code'];
    const duration = new Histogram({ name: 'd', help: 'h', labelNames, registers });
    const total = new Counter({ name: 't', help: 'h', labelNames, registers });
    app.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      };
      duration.observe(labels, reply.elapsedTime / 1000);
      total.inc(labels);
      done();
    });
  }
  if (variant.startsWith('fastify-metrics')) {
    const fastifyMetrics = require('fastify-metrics');
    await app.register(fastifyMetrics.default ?? fastifyMetrics, {
      endpoint: null,
      clearRegisterOnInit: true, // both variants use the global registry
      ...(variant === 'fastify-metrics-histogram'
        ? { defaultMetrics: { enabled: false }, routeMetrics: { enabled: { histogram: true, summary: false } } }
        : {}),
    });
  }
  app.get('/quizzes/:quizId', async (request) => ({ quizId: request.params.quizId, questions: 10 }));
  await app.ready();
  return app;
}

async function cpuPerRequest(app) {
  const start = process.cpuUsage();
  for (let i = 0; i < perRound; i++) await app.inject(`/quizzes/${i}`);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / perRound;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const variants = ['bare', 'app-metrics', 'prom-client-hook', 'fastify-metrics-histogram', 'fastify-metrics-defaults'];
  const apps = [];
  for (const variant of variants) apps.push({ variant, app: await build(variant) });
  for (const { app } of apps) await cpuPerRequest(app); // warm-up
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < apps.length; i++) {
      const { variant, app } = apps[(i + round) % apps.length];
      runs[variant].push(await cpuPerRequest(app));
    }
  }
  console.log(`node ${process.version}, app.inject(), ${perRound} requests x ${rounds} rounds per variant`);
  console.log('variant                     CPU us/req  added us/req  bare/variant');
  for (const variant of variants) {
    const cpu = median(runs[variant]);
    const added = median(runs[variant].map((c, round) => c - runs.bare[round]));
    const ratio = median(runs[variant].map((c, round) => runs.bare[round] / c));
    console.log(
      `${variant.padEnd(26)} ${cpu.toFixed(2).padStart(10)}  ${added.toFixed(2).padStart(12)}  ${ratio.toFixed(3).padStart(12)}`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
