'use strict';
// Share of the server's CPU spent in @app/metrics under load, from a V8 CPU profile: the time in
// the plugin's hooks (minus the rest of the request pipeline they call through `next`) over all
// non-idle time. Unlike req/s, a share does not move when other processes compete for the CPU.
// Run: pnpm --filter @app/metrics build && node benchmarks/profile-share.js [seconds=5]
// (each of app-metrics, prom-client-hook, fastify-metrics-histogram, fastify-metrics-defaults)
const { fork } = require('node:child_process');
const { mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');

const seconds = Number(process.argv[2] ?? 5);

// The plugin's per-request functions (its hooks and what they call); module loading and plugin
// registration are start-up costs and are left out.
const OURS = {
  'app-metrics': (f) => f.url.endsWith('/metrics/dist/fastify.js') && f.lineNumber > 0 && f.functionName !== 'plugin',
  'prom-client-hook': (f) => f.functionName === 'recordMetrics',
  'fastify-metrics-histogram': (f) => f.url.includes('/fastify-metrics/dist/') && f.lineNumber > 0,
  'fastify-metrics-defaults': (f) => f.url.includes('/fastify-metrics/dist/') && f.lineNumber > 0,
};
const isNext = (node) => node.callFrame.url.includes('fastify/lib/hooks') && node.callFrame.functionName === 'next';
// The first exemplar lookup requires @opentelemetry/api once: start-up, not per request.
const isLoad = (node) => node.callFrame.url.endsWith('active-trace.js') && node.callFrame.functionName === 'load';

function share(profile, ours) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  let total = 0;
  for (const [id, t] of self) if (byId.get(id).callFrame.functionName !== '(idle)') total += t;
  // Time under our frames, not counting what runs below a `next` call (the rest of the request).
  let mine = 0;
  const frames = new Map();
  const walk = (id, inOurs) => {
    const node = byId.get(id);
    // Below `next` runs the rest of the request, which may reach our next hook again.
    const counted = isNext(node) || isLoad(node) ? false : inOurs || ours(node.callFrame);
    if (counted) {
      mine += self.get(id) ?? 0;
      const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber}`;
      frames.set(key, (frames.get(key) ?? 0) + (self.get(id) ?? 0));
    }
    for (const c of node.children ?? []) walk(c, counted);
  };
  walk(profile.nodes[0].id, false);
  if (process.env.FRAMES) {
    const top = [...frames].sort((a, b) => b[1] - a[1]).slice(0, 15);
    for (const [key, t] of top) console.log(`  ${((t / total) * 100).toFixed(2)}% ${key}`);
  }
  return { mine, total };
}

function profileVariant(variant) {
  const dir = mkdtempSync(path.join(tmpdir(), 'metrics-profile-'));
  const child = fork(path.join(__dirname, 'server.js'), [variant], {
    // Without inlining, small functions keep their own frames and can be attributed (this
    // overstates code made of many small functions, such as ours).
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--no-turbo-inlining', '--cpu-prof-interval=50'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.port === undefined) return;
      const url = `http://127.0.0.1:${message.port}/quizzes/42`;
      autocannon({ url, connections: 10, duration: seconds }, (error, result) => {
        if (error) return reject(error);
        child.send('exit');
        child.on('exit', () => {
          const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
          const { mine, total } = share(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), OURS[variant]);
          rmSync(dir, { recursive: true, force: true });
          resolve({ variant, share: mine / total, requests: result.requests.total });
        });
      });
    });
  });
}

async function main() {
  console.log(`share of server CPU in the metrics integration (V8 profile, ${seconds}s of load each)`);
  for (const variant of Object.keys(OURS)) {
    const { share: s, requests } = await profileVariant(variant);
    console.log(
      `${variant.padEnd(26)} ${(s * 100).toFixed(2).padStart(6)}%  => CPU-bound throughput ratio ~${(1 - s).toFixed(3)}  (${requests} requests)`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
