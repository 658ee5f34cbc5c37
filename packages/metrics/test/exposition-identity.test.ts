import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createMetricsHandler } from '../src';
import { AWKWARD_NUMBERS, AWKWARD_VALUES, awkwardRegistry } from './helpers/awkward-registry';
import { OPENMETRICS_ACCEPT, type Served, serve } from './helpers/scrape';

// The fixtures are the bodies the string-building renderer (before the scrape wrote into reused
// byte chunks) served for `awkwardRegistry`; the renderer must keep producing them byte for byte.
// WRITE_EXPOSITION_FIXTURES=1 writes them from the current renderer instead of comparing.
const FIXTURES = join(__dirname, 'fixtures', 'exposition');
const NOW = 1_767_225_600.123; // seconds; exemplar timestamps

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function body(url: string, openMetrics: boolean): Promise<Buffer> {
  const response = await fetch(url, openMetrics ? { headers: { accept: OPENMETRICS_ACCEPT } } : {});
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

function expectFixture(name: string, actual: Buffer): void {
  const file = join(FIXTURES, name);
  if (process.env.WRITE_EXPOSITION_FIXTURES === '1') {
    mkdirSync(FIXTURES, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file)).toBe(true);
  // As text first, for a readable diff; then as bytes.
  const expected = readFileSync(file);
  expect(actual.toString('utf8')).toBe(expected.toString('utf8'));
  expect(actual.equals(expected)).toBe(true);
}

describe('the exposition bytes', () => {
  it.each([
    ['without default labels', undefined, 'plain'],
    ['with default labels needing escapes', { service: 'learn "api"\\x\né' }, 'default-labels'],
  ])('are what the string renderer served, %s, before and after series come and go', async (_, defaultLabels, tag) => {
    const { registry, change } = awkwardRegistry({ defaultLabels, now: NOW });
    served = await serve(createMetricsHandler(registry, { onCollectError: () => {} }));
    expectFixture(`${tag}-1.txt`, await body(served.url, false));
    expectFixture(`${tag}-1.openmetrics.txt`, await body(served.url, true));
    change();
    expectFixture(`${tag}-2.txt`, await body(served.url, false));
    expectFixture(`${tag}-2.openmetrics.txt`, await body(served.url, true));
  });

  // prom-client writes NaN as "Nan" and puts `le` first among a bucket's labels (and orders default
  // labels differently, so there are none here); with those differences undone, it writes counters,
  // gauges and histograms as the handler does.
  it("equal prom-client's registry.metrics() in the text format, across many chunks of multi-byte text", async () => {
    const registry = new Registry();
    const requests = new Counter({
      name: 'requests_total',
      help: 'Requests "by" route\\ and\nstatus; é ✓ 🚀.',
      labelNames: ['route', 'status'],
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'request_duration_seconds',
      help: 'Durations.',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const level = new Gauge({ name: 'level', help: 'Awkward numbers.', labelNames: ['i'], registers: [registry] });
    for (const [i, n] of AWKWARD_NUMBERS.entries()) level.set({ i: String(i) }, n);
    new Histogram({ name: 'unlabelled_seconds', help: 'h', buckets: [1], registers: [registry] }).observe(0.5);
    // ~2 MB: many chunks, whatever the chunk size, with 1- to 4-byte characters across their edges.
    for (let r = 0; r < 1_500; r++) {
      const route = `/${AWKWARD_VALUES[r % AWKWARD_VALUES.length]}/${'é✓🚀'.repeat(r % 5)}/${r}`;
      requests.inc({ route, status: String(200 + (r % 3)) }, r % 11 === 0 ? 0.1 * r : r);
      duration.observe({ route }, (r % 13) / 4);
      if (r % 17 === 0) duration.observe({ route }, 1.5e308); // the sum overflows to +Inf
      if (r % 17 === 0) duration.observe({ route }, 1.5e308);
    }
    served = await serve(createMetricsHandler(registry, { onCollectError: () => {} }));
    const ours = (await body(served.url, false)).toString('utf8');
    expect(ours.length).toBeGreaterThan(1_000_000);
    const theirs = (await registry.metrics())
      .replace(/^(\w+_bucket)\{le="([^"]*)",(.*)\} /gm, '$1{$3,le="$2"} ')
      .replace(/ Nan$/gm, ' NaN');
    // The normalisation applied (a failure would print two megabytes).
    expect(theirs.includes('request_duration_seconds_bucket{route="/say \\"hi\\"/é✓🚀é✓🚀é✓🚀/3",le="0.005"} 0')).toBe(
      true,
    );
    expect(/^level\{i="11"\} NaN$/m.test(theirs)).toBe(true);
    expect(firstDifference(ours, theirs)).toBeUndefined();
  });
});

describe('labels named le or quantile', () => {
  it("are a counter's or gauge's own labels like any other: kept, in place, series never merged", async () => {
    const registry = new Registry();
    const limits = new Counter({
      name: 'rate_limit_hits_total',
      help: 'Hits by limit tier.',
      labelNames: ['le', 'route'],
      registers: [registry],
    });
    limits.inc({ le: '10', route: '/claims' });
    limits.inc({ le: '100', route: '/claims' }, 2);
    const target = new Gauge({
      name: 'latency_target_seconds',
      help: 'SLO targets.',
      labelNames: ['quantile'],
      registers: [registry],
    });
    target.set({ quantile: '0.99' }, 0.5);
    new Histogram({
      name: 'batch_seconds',
      help: 'h',
      labelNames: ['quantile'],
      buckets: [1],
      registers: [registry],
    }).observe({ quantile: 'p99' }, 0.5);
    served = await serve(createMetricsHandler(registry, { onCollectError: () => {} }));
    for (const openMetrics of [false, true]) {
      const text = (await body(served.url, openMetrics)).toString('utf8');
      expect(text).toContain('rate_limit_hits_total{le="10",route="/claims"} 1\n');
      expect(text).toContain('rate_limit_hits_total{le="100",route="/claims"} 2\n');
      expect(text).toContain('latency_target_seconds{quantile="0.99"} 0.5\n');
      expect(text).toContain('batch_seconds_bucket{quantile="p99",le="1"} 1\n');
      expect(text).toContain('batch_seconds_count{quantile="p99"} 1\n');
    }
    // As prom-client writes them (its bucket lines put le first).
    const ours = (await body(served.url, false)).toString('utf8');
    const theirs = (await registry.metrics()).replace(/^(\w+_bucket)\{le="([^"]*)",(.*)\} /gm, '$1{$3,le="$2"} ');
    expect(firstDifference(ours, theirs)).toBeUndefined();
  });
});

describe('reused chunks', () => {
  it('never change bytes a slow scraper has not read yet while another scrape runs', async () => {
    const registry = new Registry();
    const requests = new Counter({ name: 'r_total', help: 'h', labelNames: ['route'], registers: [registry] });
    for (let r = 0; r < 20_000; r++) requests.inc({ route: `/é✓🚀/${r}/${'x'.repeat(r % 40)}` }, r);
    served = await serve(createMetricsHandler(registry));
    const reference = await body(served.url, false);
    expect(reference.length).toBeGreaterThan(1_000_000);

    // The slow scraper reads its first bytes, then stops reading: the server's writes back up.
    const slow = await new Promise<IncomingMessage>((resolve, reject) => get(served!.url, resolve).on('error', reject));
    const slowChunks: Buffer[] = [];
    await new Promise<void>((resolve) =>
      slow.once('data', (chunk: Buffer) => {
        slowChunks.push(chunk);
        slow.pause();
        resolve();
      }),
    );
    // Meanwhile whole scrapes run, taking released chunks from the pool and filling them.
    for (let i = 0; i < 3; i++) expect((await body(served.url, false)).equals(reference)).toBe(true);

    slow.on('data', (chunk: Buffer) => slowChunks.push(chunk));
    const ended = new Promise((resolve) => slow.once('end', resolve));
    slow.resume();
    await ended;
    const slowBody = Buffer.concat(slowChunks);
    expect(slowBody.length).toBe(reference.length);
    expect(slowBody.equals(reference)).toBe(true);
  });
});

/** The first line where two bodies differ (a diff of two megabytes would take jest minutes). */
function firstDifference(a: string, b: string): { line: number; a?: string; b?: string } | undefined {
  const as = a.split('\n');
  const bs = b.split('\n');
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    if (as[i] !== bs[i]) return { line: i + 1, a: as[i], b: bs[i] };
  }
  return undefined;
}
