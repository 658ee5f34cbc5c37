// Throughput of one Fastify route, side by side in one run:
//   node benchmarks/throughput.js            (from packages/tracing, after `pnpm build`)
// BENCH_SECONDS (default 3), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 10) and
// BENCH_PIPELINING (default 8) tune the run; BENCH_PIN=0 stops pinning the load generator and the
// server to separate CPUs; BENCH_EXTRA=1 adds rows: 100 % exported from the main thread (the SDK's usual
// in-thread export), 100 % over http/protobuf, and Fastify with empty hooks. BENCH_WORKER_CPU=<n> puts the
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

async function measure(name, env, nodeArgs = []) {
  const { child, port, lines } = await startServer(env, nodeArgs);
  if (PINNED) pinExportWorker(child.pid, WORKER_CPU);
  await load(port, 1); // warm-up: JIT, connection pools
  const before = await cpuOf(child, lines);
  const result = await load(port, SECONDS);
  const after = await cpuOf(child, lines);
  const cpuMicros = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  const threadMicros = after.thread.user + after.thread.system - before.thread.user - before.thread.system;
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  const stats = lines.find((l) => l.stats)?.stats;
  return {
    name,
    rps: result.requests.average,
    cpuPerRequest: cpuMicros / result.requests.total,
    mainThreadCpuPerRequest: threadMicros / result.requests.total,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    stats,
  };
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
    ['@app/tracing 100% -> OTLP JSON (worker thread)', traced(1), preload],
    ['@app/tracing 10% -> OTLP JSON (worker thread)', traced(0.1), preload],
    ['@app/tracing 0% (nothing sampled)', traced(0), preload],
    ['@fastify/otel + http (defaults), no-op exporter', { BENCH_MODE: 'default-composition' }, []],
    ...(process.env.BENCH_EXTRA
      ? [
          [
            '@app/tracing 100% -> OTLP JSON (main thread, as before)',
            traced(1, { APP_TRACING_EXPORT_THREAD: 'main' }),
            preload,
          ],
          [
            '@app/tracing 100% -> OTLP protobuf (worker thread)',
            traced(1, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }),
            preload,
          ],
          ['Fastify + empty hooks where @fastify/otel adds them', { BENCH_MODE: 'empty-hooks' }, []],
        ]
      : []),
  ];
  const results = setups.map(() => []);
  const loadBefore = loadAverage();
  // Rounds interleave the setups so a burst of load from elsewhere on the
  // machine hits all of them alike; the table shows the median round.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [name, env, args]] of setups.entries()) results[i].push(await measure(name, env, args));
  }
  await receiver.stop();
  const rows = results.map((runs) => ({
    name: runs[0].name,
    rps: median(runs.map((r) => r.rps)),
    cpuPerRequest: median(runs.map((r) => r.cpuPerRequest)),
    mainThreadCpuPerRequest: median(runs.map((r) => r.mainThreadCpuPerRequest)),
    ratios: runs.map((r, round) => r.rps / results[0][round].rps),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    stats: runs.at(-1).stats,
  }));
  const base = rows[0];
  const pinning = PINNED ? `load on CPU 0, server on CPU 1, span export worker on CPU ${WORKER_CPU}` : 'not pinned';
  console.log(
    `\n${ROUNDS} rounds x ${SECONDS}s per setup, ${CONNECTIONS} connections x ${PIPELINING} pipelined, ${pinning}, Node ${process.version}, median of rounds; load average (1/5/15 min) ${loadBefore} before, ${loadAverage()} after\n`,
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
