'use strict';
// Per-call cost of the HTTP recording core against the plain prom-client calls it replaces.
const { Counter, Histogram, Registry } = require('prom-client');
const { createMetrics } = require('../dist/index.js');

const routes = ['/quizzes/:quizId', '/rewards/claim', '/credentials/:id', '/health'];
const statuses = [200, 201, 404, 500];

function time(calls, fn) {
  for (let i = 0; i < 100_000; i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / calls;
}

function recordingCoreCost(calls = 2_000_000) {
  const { http } = createMetrics();
  const recordNs = time(calls, (i) => http.record('GET', routes[i & 3], statuses[(i >> 2) & 3], 0.0123));

  const registry = new Registry();
  const labelNames = ['method', 'route', 'status_code'];
  const duration = new Histogram({ name: 'd', help: 'h', labelNames, registers: [registry] });
  const total = new Counter({ name: 't', help: 'h', labelNames, registers: [registry] });
  const promClientNs = time(calls, (i) => {
    const labels = { method: 'GET', route: routes[i & 3], status_code: statuses[(i >> 2) & 3] };
    duration.observe(labels, 0.0123);
    total.inc(labels);
  });
  return { calls, recordNs, promClientNs };
}

module.exports = { recordingCoreCost };

if (require.main === module) console.log(recordingCoreCost());
