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
//     could have served nothing else; it includes GC pauses, and time in which the machine did
//     not run the process). With VERBOSE=1, every round's max block of @app/metrics, the CPU time
//     the server's main thread used inside that block (far less than the block: the process was
//     waiting for a CPU) and the longest GC pause of the round, and a count of rounds over 5 ms.
// Run: pnpm --filter @app/metrics build && [MODE=render] [WARMUP=1] node benchmarks/scrape.js [routes=300,1000,5000] [rounds=9]
// Each route has 2 status codes: 1,000 routes = 2,000 series = 36,000 sample lines (3.3 MB).
const { fork } = require('node:child_process');
const { createServer } = require('node:http');
const { performance, PerformanceObserver } = require('node:perf_hooks');

const VARIANTS = ['prom-client', '@app/metrics'];
// The kind of a GC performance entry (`entry.detail.kind`).
const { constants } = require('node:perf_hooks');
const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MINOR_MARK_SWEEP]: 'minor-ms',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

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
  // Per scrape: the longest gap between two ticks, how much CPU the main thread used inside that
  // gap (much less than the gap: the process was not running, i.e. the machine, not the code), and
  // the longest GC pause that started during the scrape (from a PerformanceObserver).
  const threadCpuMs = () => {
    const { user, system } = process.threadCpuUsage();
    return (user + system) / 1000;
  };
  const gcs = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  let maxGap = 0;
  let maxGapCpu = 0;
  let last = 0;
  let lastCpu = 0;
  let started = 0;
  let ticking = false;
  const tick = () => {
    const now = performance.now();
    const cpu = threadCpuMs();
    if (now - last > maxGap) {
      maxGap = now - last;
      maxGapCpu = cpu - lastCpu;
    }
    last = now;
    lastCpu = cpu;
    if (ticking) setImmediate(tick);
  };
  const begin = () => {
    maxGap = 0;
    ticking = true;
    started = last = performance.now();
    lastCpu = threadCpuMs();
    setImmediate(tick);
  };
  const end = (extra) => {
    tick();
    ticking = false;
    gcs.push(...observer.takeRecords());
    let gc = 0;
    let gcKind = '';
    for (const entry of gcs.splice(0)) {
      if (entry.startTime >= started && entry.duration > gc) {
        gc = entry.duration;
        gcKind = GC_KINDS[entry.detail?.kind] ?? '?';
      }
    }
    process.send({ ...extra, block: maxGap, blockCpu: maxGapCpu, gc, gcKind });
  };
  process.on('message', async (message) => {
    if (message !== 'render') return;
    begin();
    const start = performance.now();
    await render();
    end({ ms: performance.now() - start });
  });
  const http = createServer((req, res) => {
    begin();
    res.on('close', () => end({}));
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
  console.log(`node ${process.version}, mode ${mode}, ${rounds} rounds + ${process.env.WARMUP ?? 1} warm-up, medians`);
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
    const results = Object.fromEntries(
      VARIANTS.map((v) => [v, { ms: [], block: [], blockCpu: [], gc: [], gcKind: [] }]),
    );
    let lines = 0;
    const warmup = Number(process.env.WARMUP ?? 1);
    for (let round = -warmup; round < rounds; round++) {
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
        const { block, blockCpu, gc, gcKind } = await measured;
        if (round < 0) {
          if (variant === '@app/metrics' && mode === 'http' && round === -1)
            for (const line of body.split('\n')) if (line && line[0] !== '#') lines++;
          continue;
        }
        results[variant].ms.push(ms);
        results[variant].block.push(block);
        results[variant].blockCpu.push(blockCpu);
        results[variant].gc.push(gc);
        results[variant].gcKind.push(gcKind);
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
      console.log('  @app/metrics max block ms', a.block.map((b) => b.toFixed(1)).join(' '));
      console.log('    main-thread CPU ms in it', a.blockCpu.map((b) => b.toFixed(1)).join(' '));
      console.log(
        '    longest GC pause ms',
        a.gc.map((b, i) => (b > 0 ? `${b.toFixed(1)}${a.gcKind[i]}` : '0')).join(' '),
      );
      const over = a.block.map((_b, i) => i).filter((i) => a.block[i] > 5);
      const starved = over.filter((i) => a.blockCpu[i] < a.block[i] / 2).length;
      const gc = over.filter((i) => a.gc[i] > 5).length;
      console.log(
        `  rounds over 5 ms: ${over.length} of ${rounds}; main thread ran < half of the block: ${starved}; a GC pause > 5 ms: ${gc}`,
      );
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
