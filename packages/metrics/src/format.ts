import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ExpositionFormat } from './accept';
import { collectTimeoutError } from './errors';
import { type Exemplar, type ExemplarProvider, getExemplarProvider } from './exemplars';
import { type MetricInternals, registryDefaultLabels } from './internal-types';

type Data = Awaited<ReturnType<MetricInternals['get']>>;
type Labels = Record<string, string | number>;

/** A counter or gauge series as prom-client 15 stores it (`hashMap` values). */
interface ScalarEntry {
  labels: Labels;
  value: number;
}

/** A histogram series as prom-client 15 stores it: per-bucket (not cumulative) counts keyed by bound. */
interface HistogramEntry {
  labels: Labels;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

interface StoredMetric extends MetricInternals {
  hashMap: Record<string, ScalarEntry | HistogramEntry>;
  collect?: (this: StoredMetric) => unknown;
}

/**
 * How a metric is read at scrape time. prom-client's own Counter, Gauge and Histogram (whose `get`
 * is not overridden) are read straight from their series storage after their collect callback
 * ran, which skips the sample objects `get()` builds for every line; anything else (Summary,
 * subclasses, other implementations) goes through `get()`.
 */
type Kind = 'scalar' | 'histogram' | 'generic';

function kindOf(metric: MetricInternals): Kind {
  const hashMap = (metric as Partial<StoredMetric>).hashMap;
  if (typeof hashMap !== 'object' || hashMap === null) return 'generic';
  const get: unknown = metric.get;
  if (metric.type === 'histogram' && get === Histogram.prototype.get) return 'histogram';
  if (metric.type === 'counter' && get === Counter.prototype.get) return 'scalar';
  if (metric.type === 'gauge' && get === Gauge.prototype.get) return 'scalar';
  return 'generic';
}

// Labels that belong after the series' own labels, as in the Prometheus clients.
const TRAILING = new Set(['le', 'quantile']);

function escapeLabelValue(value: string | number): string {
  const text = String(value);
  // Most label values need no escaping; skip the three regex passes for them.
  if (!/[\\\n"]/.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string, format: ExpositionFormat): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** `name="value",...` of a series' own labels followed by the registry's default labels not set on it. */
function innerLabels(labels: Labels, defaults: Labels): string {
  let out = '';
  for (const name in labels) {
    if (TRAILING.has(name)) continue;
    out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(labels[name]!)}"`;
  }
  for (const name in defaults) {
    if (!(name in labels)) out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(defaults[name]!)}"`;
  }
  return out;
}

function formatLabels(labels: Labels, defaults: Labels): string {
  let out = innerLabels(labels, defaults);
  for (const name in labels) {
    if (TRAILING.has(name)) out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(labels[name]!)}"`;
  }
  return out === '' ? '' : `{${out}}`;
}

function formatExemplar(exemplar: Exemplar): string {
  const labels = Object.entries(exemplar.labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return ` # {${labels.join(',')}} ${formatValue(exemplar.value)} ${exemplar.timestamp.toFixed(3)}`;
}

/**
 * Label strings of every series, computed the first time a series is written and kept as long
 * as prom-client keeps the series (keyed by the series' own labels object, which prom-client
 * stores once when the series is created). A change of the registry's default labels starts a
 * new cache.
 */
interface LabelCache {
  defaults: Labels;
  strings: WeakMap<object, string>;
}
const labelCaches = new WeakMap<Registry, LabelCache>();

function labelCacheOf(registry: Registry): LabelCache {
  const defaults = registryDefaultLabels(registry);
  let cache = labelCaches.get(registry);
  if (cache === undefined || cache.defaults !== defaults) {
    cache = { defaults, strings: new WeakMap() };
    labelCaches.set(registry, cache);
  }
  return cache;
}

function cachedInner(cache: LabelCache, labels: Labels): string {
  let inner = cache.strings.get(labels);
  if (inner === undefined) {
    inner = innerLabels(labels, cache.defaults);
    cache.strings.set(labels, inner);
  }
  return inner;
}

/** Where the exposition goes; `write` may return a promise to apply backpressure. */
export interface ExpositionSink {
  write(chunk: string): void | Promise<void>;
  /** True once nobody will read the rest (the scraper went away): writing stops. */
  readonly closed: boolean;
}

/** How long the renderer may run before it lets the event loop take other work, in ms. */
export const RENDER_SLICE_MS = 1;
/** Output is handed to the sink in pieces of about this many UTF-16 code units. */
const CHUNK_CHARS = 16 * 1024;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Buffers output and decides when to hand it over and when to yield. The time check happens
 * between series (never inside one, so a histogram's buckets, sum and count are read together).
 */
class Writer {
  private buffer = '';
  private sliceStart = performance.now();

  constructor(private readonly sink: ExpositionSink) {}

  push(text: string): void {
    this.buffer += text;
  }

  get closed(): boolean {
    return this.sink.closed;
  }

  /** Called between series: flushes a full buffer, and yields when the slice is used up. */
  async checkpoint(): Promise<void> {
    if (this.buffer.length >= CHUNK_CHARS) await this.flush();
    if (performance.now() - this.sliceStart >= RENDER_SLICE_MS) {
      await this.flush();
      await yieldToEventLoop();
      this.sliceStart = performance.now();
    }
  }

  async flush(): Promise<void> {
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    await this.sink.write(chunk);
  }
}

interface FamilyHeader {
  /** Name on `# HELP` / `# TYPE`. */
  family: string;
  type: string;
}

function header(metric: MetricInternals, format: ExpositionFormat): FamilyHeader {
  const om = format === 'openmetrics';
  const family = om && metric.type === 'counter' ? metric.name.replace(/_total$/, '') : metric.name;
  const type = om && metric.type === 'untyped' ? 'unknown' : metric.type;
  return { family, type };
}

function headerLines(help: string, { family, type }: FamilyHeader, format: ExpositionFormat): string {
  return `# HELP ${family} ${escapeHelp(help, format)}\n# TYPE ${family} ${type}\n`;
}

async function writeScalars(metric: StoredMetric, format: ExpositionFormat, cache: LabelCache, out: Writer) {
  const head = header(metric, format);
  const name = format === 'openmetrics' && metric.type === 'counter' ? `${head.family}_total` : metric.name;
  out.push(headerLines(metric.help, head, format));
  const entries = Object.values(metric.hashMap) as ScalarEntry[];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const inner = cachedInner(cache, entry.labels);
    out.push(`${name}${inner === '' ? '' : `{${inner}}`} ${formatValue(entry.value)}\n`);
    if ((i & 63) === 63) {
      await out.checkpoint();
      if (out.closed) return;
    }
  }
}

async function writeHistogram(
  metric: StoredMetric,
  format: ExpositionFormat,
  cache: LabelCache,
  out: Writer,
  provider: ExemplarProvider | undefined,
) {
  const bounds = metric.upperBounds ?? [];
  const keys = bounds.map(String);
  const le = [...keys.map((key) => `le="${key}"`), 'le="+Inf"'];
  const bucket = `${metric.name}_bucket`;
  const sumName = `${metric.name}_sum`;
  const countName = `${metric.name}_count`;
  out.push(headerLines(metric.help, header(metric, format), format));
  const entries = Object.values(metric.hashMap) as HistogramEntry[];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const inner = cachedInner(cache, entry.labels);
    const open = inner === '' ? `${bucket}{` : `${bucket}{${inner},`;
    const labelled = inner === '' ? '' : `{${inner}}`;
    const exemplars = provider?.(entry.labels);
    let text = '';
    let cumulative = 0;
    for (let b = 0; b <= keys.length; b++) {
      cumulative = b < keys.length ? cumulative + entry.bucketValues[keys[b]!]! : entry.count;
      text += `${open}${le[b]}} ${cumulative}`;
      const exemplar = exemplars?.[b];
      if (exemplar !== undefined) text += formatExemplar(exemplar);
      text += '\n';
    }
    text += `${sumName}${labelled} ${formatValue(entry.sum)}\n${countName}${labelled} ${entry.count}\n`;
    out.push(text);
    if ((i & 7) === 7) {
      await out.checkpoint();
      if (out.closed) return;
    }
  }
}

/** One metric family from prom-client's `get()` result (Summary and anything not read directly). */
function formatData(data: Data, format: ExpositionFormat, defaults: Labels): string {
  const om = format === 'openmetrics';
  const counter = data.type === 'counter';
  const head = header(data as unknown as MetricInternals, format);
  let text = headerLines(data.help, head, format);
  for (const sample of data.values) {
    const name = om && counter ? `${head.family}_total` : (sample.metricName ?? data.name);
    text += `${name}${formatLabels(sample.labels, defaults)} ${formatValue(sample.value)}\n`;
  }
  return text;
}

/** The outcome of collecting one metric. */
type Collected = { ok: true; data?: Data } | { ok: false };

// Collects still running when an earlier scrape gave up on them; a later scrape waits on the
// same promise instead of starting another, so a hung callback never piles up calls.
const running = new WeakMap<MetricInternals, Promise<Data | undefined>>();

function startCollect(metric: MetricInternals, kind: Kind): Promise<Data | undefined> | undefined {
  const pending = running.get(metric);
  if (pending !== undefined) return pending;
  if (kind === 'generic') return Promise.resolve().then(() => metric.get());
  const collect = (metric as StoredMetric).collect;
  if (typeof collect !== 'function') return undefined;
  const result = collect.call(metric as StoredMetric);
  if (result === null || typeof (result as Promise<unknown>)?.then !== 'function') return undefined;
  return Promise.resolve(result).then(() => undefined);
}

const TIMED_OUT = Symbol('timed out');

/**
 * Runs every metric's collect callback (all at once), waiting at most `budgetMs` for them. A
 * metric whose callback throws, rejects or is still running at the deadline is passed to
 * `onFailure` and left out; a callback still running is not called again until it settles.
 */
async function collectAll(
  metrics: readonly MetricInternals[],
  kinds: readonly Kind[],
  budgetMs: number,
  onFailure: (error: unknown, metricName: string) => void,
): Promise<Collected[]> {
  const results: Collected[] = new Array(metrics.length);
  const waits: Array<Promise<void>> = [];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, budgetMs, TIMED_OUT);
  });
  for (let i = 0; i < metrics.length; i++) {
    const metric = metrics[i]!;
    let pending: Promise<Data | undefined> | undefined;
    try {
      pending = startCollect(metric, kinds[i]!);
    } catch (error) {
      results[i] = { ok: false };
      onFailure(error, metric.name);
      continue;
    }
    if (pending === undefined) {
      results[i] = { ok: true };
      continue;
    }
    const settled = pending.then(
      () => running.delete(metric),
      () => running.delete(metric),
    );
    void settled;
    waits.push(
      Promise.race([pending, expired]).then(
        (value) => {
          if (value === TIMED_OUT) {
            running.set(metric, pending);
            results[i] = { ok: false };
            onFailure(collectTimeoutError(metric.name, budgetMs), metric.name);
          } else {
            results[i] = { ok: true, data: value };
          }
        },
        (error: unknown) => {
          results[i] = { ok: false };
          onFailure(error, metric.name);
        },
      ),
    );
  }
  try {
    await Promise.all(waits);
  } finally {
    clearTimeout(timer);
  }
  return results;
}

/** Options of {@link writeExposition}. */
export interface ExpositionOptions {
  format: ExpositionFormat;
  /** Longest wait for collect callbacks, in ms. */
  collectBudgetMs: number;
  /** Called once per metric left out of this scrape because its collect callback failed or timed out. */
  onFailure: (error: unknown, metricName: string) => void;
  /**
   * Called after collection, once the failures are reported, before anything is written: the
   * failure counter is read after it (default: nothing).
   */
  beforeWrite?: () => void;
}

/**
 * Writes a registry to `sink` in the text format (0.0.4) or OpenMetrics 1.0, in pieces. Collect
 * callbacks run first, bounded by `collectBudgetMs`; rendering then yields to the event loop
 * about every {@link RENDER_SLICE_MS} ms, between series, so other requests are served during a
 * large scrape. Series are read from prom-client's storage and their label strings are cached.
 */
export async function writeExposition(registry: Registry, sink: ExpositionSink, options: ExpositionOptions) {
  const { format } = options;
  const metrics = registry.getMetricsAsArray() as unknown as MetricInternals[];
  const kinds = metrics.map(kindOf);
  const collected = await collectAll(metrics, kinds, options.collectBudgetMs, options.onFailure);
  options.beforeWrite?.();
  const cache = labelCacheOf(registry);
  const out = new Writer(sink);
  const om = format === 'openmetrics';
  let first = true;
  for (let i = 0; i < metrics.length; i++) {
    const result = collected[i]!;
    if (!result.ok) continue;
    // The text format separates families with a blank line, as prom-client does.
    if (!om && !first) out.push('\n');
    first = false;
    const metric = metrics[i]!;
    const kind = kinds[i]!;
    if (kind === 'scalar') await writeScalars(metric as StoredMetric, format, cache, out);
    else if (kind === 'histogram') {
      const provider = om ? getExemplarProvider(registry, metric.name) : undefined;
      await writeHistogram(metric as StoredMetric, format, cache, out, provider);
    } else if (result.data !== undefined) out.push(formatData(result.data, format, cache.defaults));
    if (out.closed) return;
    await out.checkpoint();
    if (out.closed) return;
  }
  if (om) out.push('# EOF\n');
  await out.flush();
}

/** {@link writeExposition} into one string (tests, and servers that serialise themselves). */
export async function serializeRegistry(
  registry: Registry,
  format: ExpositionFormat,
  onFailure: (error: unknown, metricName: string) => void,
  collectBudgetMs = 10_000,
): Promise<string> {
  const chunks: string[] = [];
  await writeExposition(
    registry,
    { write: (chunk) => void chunks.push(chunk), closed: false },
    { format, onFailure, collectBudgetMs },
  );
  return chunks.join('');
}
