import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { createMetrics, registerCounterSource } from '../../src';
import { type Exemplar, setExemplarProvider } from '../../src/exemplars';

/** Label values that need escaping, or are not ASCII (several UTF-8 bytes each). */
export const AWKWARD_VALUES = [
  'plain',
  'back\\slash',
  'new\nline',
  'say "hi"',
  'all\\\n"three"',
  'é ✓ 🚀',
  '',
] as const;

/** Values whose text differs between number formatters: NaN, ±Inf, -0, exponents, unsafe integers. */
export const AWKWARD_NUMBERS = [
  0,
  -0,
  1,
  -7,
  0.1 + 0.2,
  1e-7,
  123456789.125,
  2 ** 53 - 1,
  2 ** 53 + 2,
  1e21,
  -1.5e300,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
] as const;

export interface AwkwardRegistry {
  registry: Registry;
  /** Adds series, removes and resets others, adds and removes whole metrics (between two scrapes). */
  change(): void;
}

/**
 * A registry that exercises every path of the exposition: the package's own metric set (HTTP
 * histogram with exemplars, counters synced at collect time), plain prom-client counters, gauges,
 * histograms and a summary (read through `get()`), a counter source, help texts and label values
 * needing escapes, non-ASCII text, NaN/±Inf and other awkward numbers, and optional default labels. Deterministic: exemplar timestamps come
 * from `now` (seconds).
 */
export function awkwardRegistry(options: { defaultLabels?: Record<string, string>; now: number }): AwkwardRegistry {
  const registry = new Registry();
  const metrics = createMetrics({ registry, defaultLabels: options.defaultLabels });
  const realNow = Date.now;
  Date.now = () => options.now * 1000;
  try {
    for (const [i, value] of AWKWARD_VALUES.entries()) {
      metrics.recordHttpRequest(i % 2 === 0 ? 'GET' : 'POST', `/r/${value}/:id`, 200 + i, 0.001 * 3 ** i);
    }
    metrics.recordHttpRequest('BREW', undefined, 418, Number.NaN);
  } finally {
    Date.now = realNow;
  }
  metrics.stellarTransactionsTotal.inc({ method: 'payment', status: 'success' }, 3);
  metrics.stellarTransactionDuration.observe({ method: 'payment' }, 4.2);

  const counter = new Counter({
    name: 'awkward_events_total',
    help: 'Events "counted" with a back\\slash\nand a new line; é ✓ 🚀.',
    labelNames: ['value', 'kind'],
    registers: [registry],
  });
  for (const [i, value] of AWKWARD_VALUES.entries()) counter.inc({ value, kind: `k${i}` }, i + 0.5 * (i % 2));
  counter.inc({ value: 'big', kind: 'unsafe' }, 2 ** 53 + 2);
  counter.inc({ value: 'big', kind: 'exponent' }, 1e21);
  counter.inc({ value: 'nan', kind: 'nan' }, Number.NaN); // prom-client refuses ±Inf, not NaN
  new Counter({ name: 'unlabelled_total', help: 'No labels.', registers: [registry] }).inc(42);
  new Counter({ name: 'empty_total', help: 'No series yet.', labelNames: ['x'], registers: [registry] });

  const gauge = new Gauge({
    name: 'awkward_level',
    help: 'Every awkward number.',
    labelNames: ['n', 'z'],
    registers: [registry],
  });
  for (const [i, n] of AWKWARD_NUMBERS.entries()) gauge.set({ z: 'zz', n: String(i) }, n);

  const histogram = new Histogram({
    name: 'awkward_seconds',
    help: 'A histogram with exemplars set by hand.',
    labelNames: ['path'],
    buckets: [0.000001, 0.5, 1, 2.5, 1e9],
    registers: [registry],
  });
  for (const [i, path] of AWKWARD_VALUES.entries()) histogram.observe({ path }, 0.25 * i);
  // prom-client refuses non-finite observations; a sum can still overflow to +Inf.
  histogram.observe({ path: 'huge' }, 1.5e308);
  histogram.observe({ path: 'huge' }, 1.5e308);
  setExemplarProvider(registry, 'awkward_seconds', (labels) =>
    labels.path === 'say "hi"'
      ? ([
          { labels: { trace_id: 'a"b\\c\nd' }, value: 0.000001, timestamp: options.now },
          undefined,
          {
            labels: { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' },
            value: 0.75,
            timestamp: options.now + 0.0005,
          },
          undefined,
          undefined,
          { labels: {}, value: Number.POSITIVE_INFINITY, timestamp: options.now },
        ] as Array<Exemplar | undefined>)
      : undefined,
  );

  const summary = new Summary({
    name: 'awkward_summary_seconds',
    help: 'Read through get().',
    labelNames: ['value'],
    percentiles: [0.5, 0.99],
    registers: [registry],
  });
  for (const [i, value] of AWKWARD_VALUES.entries()) summary.observe({ value }, i / 3);

  registerCounterSource(registry, {
    name: 'source_reads_total',
    help: 'Read at scrape time.',
    labelNames: ['kind'],
    read: () => [
      { labels: { kind: 'a\\"b' }, value: 5 },
      { labels: { kind: 'é' }, value: 0.5 },
    ],
  });

  return {
    registry,
    change() {
      metrics.recordHttpRequest('DELETE', '/new/:id', 204, 0.02);
      metrics.recordHttpRequest('GET', `/r/${AWKWARD_VALUES[0]}/:id`, 200, 7);
      counter.remove({ value: AWKWARD_VALUES[1], kind: 'k1' });
      counter.inc({ value: 'added "later"', kind: 'new' });
      gauge.reset();
      gauge.set({ n: 'after', z: '\n' }, -0.5);
      histogram.remove({ path: AWKWARD_VALUES[2] });
      histogram.observe({ path: 'added' }, 3);
      registry.removeSingleMetric('unlabelled_total');
      new Gauge({ name: 'late_gauge', help: 'Registered between scrapes.', registers: [registry] }).set(1.25);
    },
  };
}
