// Server CPU per request added by tracing, side by side: each setup runs benchmarks/inject.cjs in
// its own process (instrumentations patch modules at load time), setups interleaved over rounds
// with the order rotating, medians shown, deltas against "untraced" taken within each round.
//   node benchmarks/cpu.js [rounds=7]        (from packages/tracing, after the build)
// BENCH_BEFORE=<path to another build's register.mjs> adds that build's 0 % / 10 % / 100 % rows
// (e.g. the build before a change, copied to dist-before/). Export goes nowhere (exporter none), so
// the 100 % row is span creation and ending only. BENCH_EXPORT=1 adds two 100 % rows exporting OTLP JSON
// to a local receiver (benchmarks/receiver.cjs, its own process): from the export worker (the default)
// and from the main thread (APP_TRACING_EXPORT_THREAD=main); the queue is made large enough that no span
// is dropped. "main thread" is process.threadCpuUsage() of the thread that serves requests.
const { execFileSync, spawn } = require('node:child_process');
const { join } = require('node:path');

const ROUNDS = Number(process.argv[2] ?? 7);
const traced = (ratio, register) => [
  {
    BENCH_MODE: 'app-tracing',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(ratio),
  },
  ['--import', register],
];
const setups = [
  ['untraced', { BENCH_MODE: 'untraced' }, []],
  ['empty hooks (where @fastify/otel adds them)', { BENCH_MODE: 'empty-hooks' }, []],
  ...(process.env.BENCH_BEFORE
    ? [0, 0.1, 1].map((r) => [`before: @app/tracing ${r * 100} %`, ...traced(r, process.env.BENCH_BEFORE)])
    : []),
  ...[0, 0.1, 1].map((r) => [`@app/tracing ${r * 100} %`, ...traced(r, '@app/tracing/register')]),
];
const exporting = (thread) => {
  const [env, args] = traced(1, '@app/tracing/register');
  return [
    {
      ...env,
      OTEL_TRACES_EXPORTER: 'otlp',
      APP_TRACING_EXPORT_THREAD: thread,
      OTEL_BSP_MAX_QUEUE_SIZE: '200000',
      // Fewer, larger exports: inject() outruns one collector, and small batches hit the exporter's
      // limit of concurrent exports.
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
    },
    args,
  ];
};
if (process.env.BENCH_EXPORT) {
  setups.push(['@app/tracing 100 % -> OTLP JSON, export worker', ...exporting('worker')]);
  setups.push(['@app/tracing 100 % -> OTLP JSON, main thread', ...exporting('main')]);
}

let receiverUrl;

function runOnce(env, args) {
  const out = execFileSync(process.execPath, [...args, join(__dirname, 'inject.cjs')], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, NODE_OPTIONS: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiverUrl, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

function startReceiver() {
  const child = spawn(process.execPath, [join(__dirname, 'receiver.cjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      const url = JSON.parse(chunk.toString().split('\n')[0]).url;
      if (url) resolve({ url, stop: () => child.kill('SIGTERM') });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadAverage = () =>
  require('node:os')
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main() {
  const receiver = process.env.BENCH_EXPORT ? await startReceiver() : undefined;
  receiverUrl = receiver?.url ?? 'http://127.0.0.1:9/v1/traces';
  const loadBefore = loadAverage();
  const results = setups.map(() => ({ cpu: [], delta: [], ratio: [], main: [], mainDelta: [], dropped: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    const out = new Array(setups.length);
    for (let k = 0; k < setups.length; k++) {
      const i = (k + round) % setups.length;
      out[i] = runOnce(setups[i][1], setups[i][2]);
    }
    out.forEach((o, i) => {
      results[i].cpu.push(o.cpuMicrosPerRequest);
      results[i].delta.push(o.cpuMicrosPerRequest - out[0].cpuMicrosPerRequest);
      results[i].ratio.push(out[0].cpuMicrosPerRequest / o.cpuMicrosPerRequest);
      results[i].main.push(o.mainThreadMicrosPerRequest);
      results[i].mainDelta.push(o.mainThreadMicrosPerRequest - out[0].mainThreadMicrosPerRequest);
      results[i].dropped += o.stats?.dropped ?? 0;
    });
  }
  receiver?.stop();
  console.log(
    `Node ${process.version}, ${ROUNDS} rounds, app.inject(), medians; ratio = untraced CPU / setup CPU; load average ${loadBefore} before, ${loadAverage()} after`,
  );
  console.log(
    '| setup | CPU µs/req (process) | added µs/req | CPU ratio | main thread µs/req | main thread added µs/req | spans dropped |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  setups.forEach(([name], i) => {
    const r = results[i];
    console.log(
      `| ${name} | ${median(r.cpu).toFixed(2)} | ${median(r.delta).toFixed(2)} | ${median(r.ratio).toFixed(3)} | ${median(r.main).toFixed(2)} | ${median(r.mainDelta).toFixed(2)} | ${r.dropped} |`,
    );
  });
}

main();
