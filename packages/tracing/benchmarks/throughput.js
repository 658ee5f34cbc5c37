// Throughput of one Fastify route, side by side in one run:
//   node benchmarks/throughput.js            (from packages/tracing, after `pnpm build`)
// BENCH_SECONDS (default 3), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 10) and
// BENCH_PIPELINING (default 8) tune the run; BENCH_PIN=0 stops pinning the load generator and the
// server to separate CPUs; BENCH_EXTRA=1 adds rows: 100 % exported from the main thread (the SDK's usual
// in-thread export), 100 % over http/json, Fastify with empty hooks and with one empty onRequest hook;
// BENCH_BEFORE=<path to another build's dist/register.mjs> adds that build's 100 / 10 / 0 % rows (over
// http/json, its default, unless BENCH_BEFORE_PROTOCOL says otherwise). BENCH_WORKER_CPU=<n> puts the
// span export worker thread on CPU n (default 1: the server's CPU, where it competes with the event loop).
// Each setup runs in its own child process (instrumentation patches modules at
// load time); autocannon runs in this process, the OTLP/HTTP receiver in another.
const { execFileSync, spawn } = require('node:child_process');
const os = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROOT = join(__dirname, '..');
// One autocannon process cannot keep one Fastify core busy with one request per connection at a
// time; pipelined requests make the server the bottleneck, so req/s measures the server.
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 8);
// autocannon and the receiver on CPU 0, the measured server on CPU 1, so the scheduler never puts
// the load generator and the server on one core (BENCH_PIN=0 turns it off).
const PINNED = process.env.BENCH_PIN !== '0' && os.cpus().length >= 2 && pin(process.pid, 0);

const WORKER_CPU = Number(process.env.BENCH_WORKER_CPU ?? 1);

function pin(pid, cpu) {
  try {
    execFileSync('taskset', ['-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function startReceiver() {
  const child = spawn(process.execPath, [join(__dirname, 'receiver.cjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (PINNED) pin(child.pid, 0);
  const received = { requests: 0, bytes: 0 };
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const parsed = JSON.parse(line);
        if (parsed.url) {
          resolve({
            url: parsed.url,
            received,
            stop: () =>
              new Promise((done) => {
                child.once('exit', done);
                child.kill('SIGTERM');
              }),
          });
        }
        if (parsed.received) Object.assign(received, parsed.received);
      }
    });
  });
}

function startServer(env, nodeArgs) {
  const child = spawn(process.execPath, [...nodeArgs, join(__dirname, 'server.cjs')], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (PINNED) pin(child.pid, 1);
  const lines = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const parsed = JSON.parse(line);
        lines.push(parsed);
        if (parsed.listening) resolve({ child, port: parsed.listening, lines });
      }
    });
  });
}

async function cpuOf(child, lines) {
  const seen = lines.length;
  child.kill('SIGUSR2');
  for (;;) {
    const line = lines.slice(seen).find((l) => l.cpu);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Pins the `@app/tracing` export worker thread of `pid` (Linux thread name, 15 chars) to `cpu`. */
function pinExportWorker(pid, cpu) {
  const { readdirSync, readFileSync } = require('node:fs');
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === '@app/tracing ex') return pin(tid, cpu);
    }
  } catch {}
  return false;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function load(port, duration) {
  return autocannon({
    url: `http://127.0.0.1:${port}/rewards/42`,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration,
  });
}

/** Starts one setup's server and warms it up (JIT, connection pools); it then idles between its windows. */
async function start(name, env, nodeArgs = []) {
  const server = await startServer(env, nodeArgs);
  if (PINNED) pinExportWorker(server.child.pid, WORKER_CPU);
  await load(server.port, 1);
  return { name, ...server };
}

/** One measured window of `SECONDS` on a running server: req/s and the server's CPU per request. */
async function measure({ name, child, port, lines }) {
  const before = await cpuOf(child, lines);
  const result = await load(port, SECONDS);
  const after = await cpuOf(child, lines);
  const cpuMicros = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  const threadMicros = after.thread.user + after.thread.system - before.thread.user - before.thread.system;
  return {
    name,
    rps: result.requests.average,
    cpuPerRequest: cpuMicros / result.requests.total,
    mainThreadCpuPerRequest: threadMicros / result.requests.total,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

/** Stops a server; resolves with the tracing stats it printed on SIGTERM. */
async function stop({ child, lines }) {
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return lines.find((l) => l.stats)?.stats;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const receiver = await startReceiver();
  const traced = (ratio, extra = {}) => ({
    BENCH_MODE: 'app-tracing',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(ratio),
    ...extra,
  });
  const preload = ['--import', '@app/tracing/register'];
  const setups = JSON.parse((process.env.BENCH_SETUPS ?? 'null').replaceAll('RECV', receiver.url)) ?? [
    ['untraced', { BENCH_MODE: 'untraced' }, []],
    ['@app/tracing 100% -> OTLP protobuf (worker thread)', traced(1), preload],
    ['@app/tracing 10% -> OTLP protobuf (worker thread)', traced(0.1), preload],
    ['@app/tracing 0% (nothing sampled)', traced(0), preload],
    ['@fastify/otel + http (defaults), no-op exporter', { BENCH_MODE: 'default-composition' }, []],
    ...(process.env.BENCH_EXTRA
      ? [
          [
            '@app/tracing 100% -> OTLP protobuf (main thread)',
            traced(1, { APP_TRACING_EXPORT_THREAD: 'main' }),
            preload,
          ],
          [
            '@app/tracing 100% -> OTLP JSON (worker thread)',
            traced(1, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }),
            preload,
          ],
          ['Fastify + empty hooks where @fastify/otel adds them', { BENCH_MODE: 'empty-hooks' }, []],
          ['Fastify + one empty onRequest hook', { BENCH_MODE: 'one-hook' }, []],
        ]
      : []),
    // BENCH_BEFORE=<another build's dist/register.mjs>: the same three sampling rates with that build
    // (e.g. the commit before a change, built in a git worktree), side by side with this one.
    ...(process.env.BENCH_BEFORE
      ? [1, 0.1, 0].map((ratio) => [
          `before: @app/tracing ${ratio * 100}%`,
          traced(ratio, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: process.env.BENCH_BEFORE_PROTOCOL ?? 'http/json' }),
          ['--import', process.env.BENCH_BEFORE],
        ])
      : []),
  ];
  const results = setups.map(() => []);
  const loadBefore = loadAverage();
  // Every server is started and warmed up first, then idles between its windows. Rounds interleave
  // short windows of the setups (the order rotating), so a burst of load from elsewhere on the
  // machine hits all of them alike; the table shows medians, and each round's ratio is taken
  // against the untraced window of the same round.
  const servers = [];
  for (const [name, env, args] of setups) servers.push(await start(name, env, args));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < servers.length; k++) {
      const i = (k + round) % servers.length;
      results[i].push(await measure(servers[i]));
    }
  }
  const stats = [];
  for (const server of servers) stats.push(await stop(server));
  await receiver.stop();
  const rows = results.map((runs) => ({
    name: runs[0].name,
    rps: median(runs.map((r) => r.rps)),
    cpuPerRequest: median(runs.map((r) => r.cpuPerRequest)),
    mainThreadCpuPerRequest: median(runs.map((r) => r.mainThreadCpuPerRequest)),
    ratios: runs.map((r, round) => r.rps / results[0][round].rps),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    stats: stats[results.indexOf(runs)],
  }));
  const base = rows[0];
  const pinning = PINNED ? `load on CPU 0, server on CPU 1, span export worker on CPU ${WORKER_CPU}` : 'not pinned';
  console.log(
    `\n${ROUNDS} rounds x ${SECONDS}s per setup (servers started once, windows interleaved), ${CONNECTIONS} connections x ${PIPELINING} pipelined, ${pinning}, Node ${process.version}, median of rounds; load average (1/5/15 min) ${loadBefore} before, ${loadAverage()} after\n`,
  );
  console.log(
    '| setup | req/s | ratio | ratio per round | CPU µs/req (process) | main thread CPU µs/req | p99 ms | spans exported | spans dropped |',
  );
  console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const exported = r.stats?.queueCapacity ? r.stats.exported : '-';
    const dropped = r.stats?.queueCapacity ? r.stats.dropped : '-';
    console.log(
      `| ${r.name} | ${Math.round(r.rps)} | ${(r.rps / base.rps).toFixed(2)} | ${r.ratios.map((x) => x.toFixed(2)).join(' ')} | ${r.cpuPerRequest.toFixed(1)} | ${r.mainThreadCpuPerRequest.toFixed(1)} | ${r.p99} | ${exported} | ${dropped} |`,
    );
    if (r.errors > 0) console.log(`  (${r.errors} errors / non-2xx)`);
  }
  console.log(
    `\nOTLP receiver: ${receiver.received.requests} export requests, ${(receiver.received.bytes / 2 ** 20).toFixed(1)} MiB`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
