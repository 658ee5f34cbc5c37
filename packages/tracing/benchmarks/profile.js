// Where the server's CPU goes, by package and by function, for one setup of throughput.js:
//   node benchmarks/profile.js [setup=unsampled] [seconds=5]     (from packages/tracing, after the build)
// setups: untraced | unsampled (@app/tracing, parentbased_traceidratio 0) | ratio10 | sampled
// (100 %, exporter none) | exported (100 %, OTLP JSON from the export worker to a receiver in this
// process; the profile is of the server's main thread, so it shows what the request thread pays). The server (benchmarks/server.cjs) is profiled through node:inspector
// from after a 2 s warm-up to the end of the load (autocannon, 10 connections × 8 pipelined), so
// start-up and module loading stay out; the profile is summarised as self time per package (node_modules folder, "node:" for
// Node's own code, "(gc)", "(program)", "(idle)") and the 25 most expensive functions, each as a share of
// the busy (non-idle) samples. The raw .cpuprofile stays in benchmarks/profiles/ for a flame graph
// (Chrome DevTools > Performance > Load profile, or speedscope).
const { spawn } = require('node:child_process');
const { mkdirSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const autocannon = require('autocannon');

const setup = process.argv[2] ?? 'unsampled';
const seconds = Number(process.argv[3] ?? 5);
const ROOT = join(__dirname, '..');
const dir = join(__dirname, 'profiles', setup);

// BENCH_REGISTER=./dist-before/register.mjs profiles another build (e.g. the one before a change).
const register = ['--import', process.env.BENCH_REGISTER ?? '@app/tracing/register'];
const SETUPS = {
  untraced: [{ BENCH_MODE: 'untraced' }, []],
  unsampled: [tracedEnv('0'), register],
  ratio10: [tracedEnv('0.1'), register],
  sampled: [tracedEnv('1'), register],
  exported: [{ ...tracedEnv('1'), OTEL_TRACES_EXPORTER: 'otlp' }, register],
};

/** A local OTLP/HTTP receiver that drains each export and answers 200. */
function startReceiver() {
  const server = require('node:http').createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function tracedEnv(ratio) {
  return {
    BENCH_MODE: 'app-tracing',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: ratio,
  };
}

function packageOf(url) {
  if (!url) return '';
  if (url.startsWith('node:')) return 'node:';
  const i = url.lastIndexOf('node_modules/');
  if (i === -1) return url.includes('/packages/tracing/') ? '@app/tracing' : url.split('/').slice(-2).join('/');
  const rest = url.slice(i + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

function summarise(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byPackage = new Map();
  const byFunction = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += t;
    const pkg = functionName.startsWith('(') ? functionName : packageOf(url) || '(native)';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t);
    const key = `${functionName || '(anonymous)'}  ${pkg}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
  }
  const show = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `${((100 * t) / busy).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  let tracing = 0;
  for (const [pkg, t] of byPackage) {
    if (/^@opentelemetry\/|^@fastify\/otel$|^@app\/tracing$|^import-in-the-middle$|^require-in-the-middle$/.test(pkg))
      tracing += t;
  }
  return `tracing packages (@opentelemetry/*, @fastify/otel, @app/tracing): ${((100 * tracing) / busy).toFixed(1)} % of busy samples\n\nself time by package (share of busy samples):\n${show(byPackage, 15)}\n\ntop functions:\n${show(byFunction, 25)}`;
}

async function main() {
  const [env, args] = SETUPS[setup] ?? [];
  if (!env) throw new Error(`unknown setup ${setup}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const receiver = setup === 'exported' ? await startReceiver() : undefined;
  const endpoint = receiver
    ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${receiver.address().port}/v1/traces` }
    : {};
  const child = spawn(process.execPath, [...args, join(__dirname, 'server.cjs')], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', BENCH_PROFILE: join(dir, `${setup}.cpuprofile`), ...env, ...endpoint },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const parsed = JSON.parse(line);
        if (parsed.listening) resolve(parsed.listening);
      }
    });
  });
  const load = (duration) =>
    autocannon({ url: `http://127.0.0.1:${port}/rewards/42`, connections: 10, pipelining: 8, duration });
  await load(2); // warm-up, not profiled
  child.kill('SIGUSR1');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/rewards/42`,
    connections: 10,
    pipelining: 8,
    duration: seconds,
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  receiver?.close();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  console.log(
    `setup ${setup}: ${Math.round(result.requests.average)} req/s over ${seconds}s, profile ${join(dir, file)}\n`,
  );
  console.log(summarise(join(dir, file)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
