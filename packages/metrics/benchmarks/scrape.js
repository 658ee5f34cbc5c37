'use strict';
// Scrape cost of a large registry, side by side on the same registry contents: prom-client's own
// `registry.metrics()` (served with `res.end(body)`) against `@app/metrics`' `createMetricsHandler`.
// Each variant is served by its own process (same registry built the same way); this process is
// the scraper. Per variant and size, medians over interleaved rounds (order rotating each round):
//   - scrape ms: from sending the request to the last byte of the body, seen by the scraper;
//     with MODE=render, the time to render the whole body in the server instead (prom-client:
//     `registry.metrics()`; @app/metrics: `writeExposition` into a sink that releases each chunk);
//   - max block ms: the longest the server's event loop was held during that scrape, measured in
//     the server by a setImmediate ticker (each gap between two ticks is time in which the server
//     could have served nothing else; it includes GC pauses).
// Run: pnpm --filter @app/metrics build && [MODE=render] node benchmarks/scrape.js [routes=300,1000,5000] [rounds=9]
// Each route has 2 status codes: 1,000 routes = 2,000 series = 36,000 sample lines (3.3 MB).
const { fork } = require('node:child_process');
const { createServer } = require('node:http');
const { performance } = require('node:perf_hooks');

const VARIANTS = ['prom-client', '@app/metrics'];

function registryOf(routes) {
  const { createMetrics } = require('../dist/index.js');
  const metrics = createMetrics({ maxLabelValues: routes + 10 });
  for (let r = 0; r < routes; r++) {
    for (const status of [200, 500]) {
      for (let i = 0; i < 3; i++) metrics.recordHttpRequest('GET', `/api/v1/resource${r}/:id`, status, 0.003 * (i + 1));
    }
  }
  return metrics.registry;
}

async function server(variant, routes) {
  const registry = registryOf(routes);
  const { createMetricsHandler } = require('../dist/index.js');
  const handler =
    variant === 'prom-client'
      ? async (_req, res) => {
          const body = await registry.metrics();
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(body);
        }
      : createMetricsHandler(registry);
  const { writeExposition } = require('../dist/format.js');
  // Rendering alone, into memory: the whole body as one string (prom-client), or every chunk of
  // bytes handed over and released at once, as a socket that keeps up would (@app/metrics).
  const render =
    variant === 'prom-client'
      ? () => registry.metrics()
      : () =>
          writeExposition(
            registry,
            { closed: false, write: (_chunk, release) => release() },
            { format: 'text', onFailure() {}, collectBudgetMs: 5000 },
          );
  process.on('message', async (message) => {
    if (message !== 'render') return;
    maxGap = 0;
    ticking = true;
    last = performance.now();
    setImmediate(tick);
    const start = performance.now();
    await render();
    const ms = performance.now() - start;
    tick();
    ticking = false;
    process.send({ ms, block: maxGap });
  });
  let maxGap = 0;
  let last = 0;
  let ticking = false;
  const tick = () => {
    const now = performance.now();
    if (now - last > maxGap) maxGap = now - last;
    last = now;
    if (ticking) setImmediate(tick);
  };
  const http = createServer((req, res) => {
    maxGap = 0;
    ticking = true;
    last = performance.now();
    setImmediate(tick);
    res.on('close', () => {
      tick();
      ticking = false;
      process.send({ block: maxGap });
    });
    void handler(req, res);
  });
  http.listen(0, '127.0.0.1', () => process.send({ port: http.address().port }));
}

function next(child) {
  return new Promise((resolve) => child.once('message', resolve));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function main() {
  const sizes = (process.argv[2] ?? '300,1000,5000').split(',').map(Number);
  const rounds = Number(process.argv[3] ?? 9);
  const mode = process.env.MODE ?? 'http';
  console.log(`node ${process.version}, mode ${mode}, ${rounds} rounds + 1 warm-up, medians`);
  console.log(
    '| routes | sample lines | prom-client ms | @app/metrics ms | ratio | prom-client max block ms | @app/metrics max block ms |',
  );
  console.log('| -----: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const routes of sizes) {
    const children = {};
    for (const variant of VARIANTS) {
      const child = fork(__filename, ['--server', variant, String(routes)], { stdio: 'inherit' });
      const { port } = await next(child);
      children[variant] = { child, url: `http://127.0.0.1:${port}/metrics` };
    }
    const results = Object.fromEntries(VARIANTS.map((v) => [v, { ms: [], block: [] }]));
    let lines = 0;
    for (let round = -1; round < rounds; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + Math.max(round, 0)) % VARIANTS.length]);
      for (const variant of order) {
        const { child, url } = children[variant];
        const measured = next(child);
        let ms;
        let body = '';
        if (mode === 'render') {
          child.send('render');
          ms = (await measured).ms;
        } else {
          const start = performance.now();
          const response = await fetch(url);
          body = await response.text();
          ms = performance.now() - start;
          if (response.status !== 200) throw new Error(`${variant}: status ${response.status}`);
        }
        const { block } = await measured;
        if (round < 0) {
          if (variant === '@app/metrics' && mode === 'http')
            for (const line of body.split('\n')) if (line && line[0] !== '#') lines++;
          continue;
        }
        results[variant].ms.push(ms);
        results[variant].block.push(block);
      }
    }
    const p = results['prom-client'];
    const a = results['@app/metrics'];
    const ratios = a.ms.map((ms, i) => ms / p.ms[i]);
    const row = [
      routes,
      mode === 'http' ? lines : Number.NaN,
      median(p.ms),
      median(a.ms),
      median(ratios),
      median(p.block),
      median(a.block),
    ];
    console.log(
      `| ${row.map((x, i) => (i < 2 ? (Number.isNaN(x) ? '-' : x) : x.toFixed(i === 4 ? 3 : 1))).join(' | ')} |`,
    );
    if (process.env.VERBOSE) {
      console.log('  ratios', ratios.map((r) => r.toFixed(2)).join(' '));
      console.log('  @app/metrics blocks', a.block.map((b) => b.toFixed(1)).join(' '));
    }
    for (const { child } of Object.values(children)) child.kill();
  }
}

if (process.argv[2] === '--server') {
  void server(process.argv[3], Number(process.argv[4]));
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
