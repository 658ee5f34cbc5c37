'use strict';
// One benchmark server per variant, in its own process so its CPU time is measured alone.
const Fastify = require('fastify');

async function build(variant) {
  const app = Fastify({ logger: false });
  if (variant === 'app-metrics') {
    const { createMetrics } = require('../dist/index.js');
    const { metricsPlugin } = require('../dist/fastify.js');
    await app.register(metricsPlugin, { metrics: createMetrics(), endpoint: '/metrics' });
  } else if (variant === 'prom-client-hook') {
    // What a hand-written integration usually looks like.
    const { Counter, Histogram, Registry } = require('prom-client');
    const registry = new Registry();
    const labelNames = ['method', 'route', 'status_code'];
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'h',
      labelNames,
      buckets,
      registers: [registry],
    });
    const total = new Counter({ name: 'http_requests_total', help: 'h', labelNames, registers: [registry] });
    app.addHook('onResponse', function recordMetrics(request, reply, done) {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      };
      duration.observe(labels, reply.elapsedTime / 1000);
      total.inc(labels);
      done();
    });
  } else if (variant.startsWith('fastify-metrics')) {
    const fastifyMetrics = require('fastify-metrics');
    const histogramOnly = variant === 'fastify-metrics-histogram';
    await app.register(fastifyMetrics.default ?? fastifyMetrics, {
      endpoint: '/metrics',
      ...(histogramOnly
        ? { defaultMetrics: { enabled: false }, routeMetrics: { enabled: { histogram: true, summary: false } } }
        : {}),
    });
  } else if (variant.startsWith('hooks:')) {
    // Cost of Fastify hooks alone, to see where the plugin's time goes.
    for (const hook of variant.slice(6).split('+')) {
      if (hook === 'onRequestAbort') app.addHook(hook, (_request, done) => done());
      else app.addHook(hook, (_request, _reply, done) => done());
    }
  } else if (variant !== 'bare') {
    throw new Error(`unknown variant ${variant}`);
  }
  app.get('/quizzes/:quizId', async (request) => ({ quizId: request.params.quizId, questions: 10 }));
  return app;
}

build(process.argv[2]).then(async (app) => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  let cpu;
  process.on('message', (message) => {
    if (message === 'cpu-start') {
      cpu = process.cpuUsage();
      process.send({ started: true });
    } else if (message === 'cpu-stop') {
      const used = process.cpuUsage(cpu);
      process.send({ cpuMicros: used.user + used.system });
    } else if (message === 'exit') {
      app.close().then(() => process.exit(0));
    }
  });
  process.send({ port: app.server.address().port });
});
