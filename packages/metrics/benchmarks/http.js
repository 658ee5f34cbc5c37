'use strict';
// Throughput and server CPU per request of a Fastify route with a path parameter, side by side:
// bare Fastify, + @app/metrics, + a hand-written prom-client hook, + fastify-metrics. Each server
// runs in its own process; autocannon runs here. Variants are interleaved over several rounds and
// the median round is reported, so drift on a shared machine hits every variant alike.
// Run: pnpm --filter @app/metrics build && node benchmarks/http.js [seconds-per-run=1] [rounds=9]
const { execFileSync, fork } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { recordingCoreCost } = require('./core');

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 9);
// autocannon on CPU 0 and every server on CPU 1, so the scheduler never puts the load generator
// and the measured server on one core (PIN=0 turns it off; needs taskset and two CPUs).
const pinned = process.env.PIN !== '0' && os.cpus().length >= 2 && pin(process.pid, 0);
// RATE=<req/s> offers a fixed load instead of as much as 10 connections take: server CPU per
// request without the saturation effects.
const rate = process.env.RATE ? Number(process.env.RATE) : undefined;
// One autocannon process cannot keep one Fastify core busy with one request per connection at a
// time; pipelined requests make the server the bottleneck, so req/s measures the server.
const pipelining = Number(process.env.PIPELINING ?? 8);

function pin(pid, cpu) {
  try {
    execFileSync('taskset', ['-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const variants = process.env.VARIANTS
  ? ['bare', ...process.env.VARIANTS.split(',')]
  : ['bare', 'app-metrics', 'prom-client-hook', 'fastify-metrics-histogram', 'fastify-metrics-defaults'];

function once(child, predicate) {
  return new Promise((resolve) => {
    const listener = (message) => {
      if (predicate(message)) {
        child.off('message', listener);
        resolve(message);
      }
    };
    child.on('message', listener);
  });
}

async function start(variant) {
  const child = fork(path.join(__dirname, 'server.js'), [variant], { stdio: 'inherit' });
  if (pinned) pin(child.pid, 1);
  const { port } = await once(child, (m) => m.port !== undefined);
  return { variant, child, url: `http://127.0.0.1:${port}/quizzes/42` };
}

function load(url, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: 10, pipelining, duration, ...(rate ? { overallRate: rate } : {}) },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function measure(server) {
  server.child.send('cpu-start');
  await once(server.child, (m) => m.started);
  const result = await load(server.url, seconds);
  server.child.send('cpu-stop');
  const { cpuMicros } = await once(server.child, (m) => m.cpuMicros !== undefined);
  const requests = result.requests.total;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${server.variant}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: requests / result.duration, cpuPerRequestUs: cpuMicros / requests };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const servers = [];
  for (const variant of variants) servers.push(await start(variant));
  for (const server of servers) await load(server.url, 1); // warm-up: JIT, connection setup
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no variant always runs first or last in a round.
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(i + round) % servers.length];
      runs[server.variant].push(await measure(server));
    }
  }
  for (const server of servers) server.child.send('exit');

  console.log(
    `node ${process.version}, ${seconds}s x ${rounds} rounds per variant, 10 connections x ${pipelining} pipelined${rate ? ` at ${rate} req/s` : ''}, GET /quizzes/:quizId, ${pinned ? 'autocannon pinned to CPU 0, servers to CPU 1' : 'not pinned'}`,
  );
  console.log(
    `load average after the run: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  console.log('ratio and CPU delta: medians over rounds of (variant vs bare in the same round)');
  console.log('variant                      req/s   ratio  CPU us/req  CPU delta us/req');
  for (const variant of variants) {
    const rps = median(runs[variant].map((r) => r.rps));
    const ratio = median(runs[variant].map((r, round) => r.rps / runs.bare[round].rps));
    const cpu = median(runs[variant].map((r) => r.cpuPerRequestUs));
    const delta = median(runs[variant].map((r, round) => r.cpuPerRequestUs - runs.bare[round].cpuPerRequestUs));
    const cells = [
      rps.toFixed(0).padStart(7),
      ratio.toFixed(3),
      cpu.toFixed(2).padStart(10),
      delta.toFixed(2).padStart(16),
    ];
    console.log(`${variant.padEnd(26)} ${cells.join('  ')}`);
  }
  if (process.env.VERBOSE) {
    for (const variant of variants) {
      const ratios = runs[variant].map((r, round) => (r.rps / runs.bare[round].rps).toFixed(3));
      console.log(`${variant.padEnd(26)} per round: ${ratios.join(' ')}`);
    }
  }
  const core = recordingCoreCost();
  console.log(`recording core: ${core.recordNs.toFixed(0)} ns per http.record() call (${core.calls} calls)`);
  console.log(
    `prom-client reference: ${core.promClientNs.toFixed(0)} ns per histogram.observe + counter.inc (labels object)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
