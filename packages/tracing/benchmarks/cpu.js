// Server CPU per request added by tracing, side by side: each setup runs benchmarks/inject.cjs in
// its own process (instrumentations patch modules at load time), setups interleaved over rounds
// with the order rotating, medians shown, deltas against "untraced" taken within each round.
//   node benchmarks/cpu.js [rounds=7]        (from packages/tracing, after the build)
// BENCH_BEFORE=<path to another build's register.mjs> adds that build's 0 % / 10 % / 100 % rows
// (e.g. the build before a change, copied to dist-before/). Export goes nowhere (exporter none), so
// the 100 % row is span creation and ending only; throughput.js measures export.
const { execFileSync } = require('node:child_process');
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

function runOnce(env, args) {
  const out = execFileSync(process.execPath, [...args, join(__dirname, 'inject.cjs')], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()).cpuMicrosPerRequest;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = setups.map(() => ({ cpu: [], delta: [], ratio: [] }));
for (let round = 0; round < ROUNDS; round++) {
  const cpu = new Array(setups.length);
  for (let k = 0; k < setups.length; k++) {
    const i = (k + round) % setups.length;
    cpu[i] = runOnce(setups[i][1], setups[i][2]);
  }
  cpu.forEach((c, i) => {
    results[i].cpu.push(c);
    results[i].delta.push(c - cpu[0]);
    results[i].ratio.push(cpu[0] / c);
  });
}
console.log(`Node ${process.version}, ${ROUNDS} rounds, app.inject(), medians; ratio = untraced CPU / setup CPU`);
console.log('| setup | CPU µs/req | added µs/req | CPU ratio |');
console.log('| --- | ---: | ---: | ---: |');
setups.forEach(([name], i) => {
  const r = results[i];
  console.log(
    `| ${name} | ${median(r.cpu).toFixed(2)} | ${median(r.delta).toFixed(2)} | ${median(r.ratio).toFixed(3)} |`,
  );
});
