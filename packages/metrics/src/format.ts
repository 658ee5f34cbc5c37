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

/**
 * `name="value",...` of a series' own labels followed by the registry's default labels not set on
 * it. `skipTrailing` leaves out `le` and `quantile` for the caller to put last: only for the samples
 * of `get()`, where those labels are the bucket's or the quantile's; a counter's or gauge's own label
 * of that name is one of its labels like any other.
 */
function innerLabels(labels: Labels, defaults: Labels, skipTrailing = false): string {
  let out = '';
  for (const name in labels) {
    if (skipTrailing && TRAILING.has(name)) continue;
    out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(labels[name]!)}"`;
  }
  for (const name in defaults) {
    if (!(name in labels)) out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(defaults[name]!)}"`;
  }
  return out;
}

function formatLabels(labels: Labels, defaults: Labels): string {
  let out = innerLabels(labels, defaults, true);
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
 * The label part of every series (`name="value",...`, escaped, UTF-8), encoded the first time the
 * series is written and kept as long as prom-client keeps the series (keyed by the series' own
 * labels object, which prom-client stores once when the series is created). A change of the
 * registry's default labels starts a new cache.
 */
interface LabelCache {
  defaults: Labels;
  bytes: WeakMap<object, Buffer>;
}
const labelCaches = new WeakMap<Registry, LabelCache>();

function labelCacheOf(registry: Registry): LabelCache {
  const defaults = registryDefaultLabels(registry);
  let cache = labelCaches.get(registry);
  if (cache === undefined || cache.defaults !== defaults) {
    cache = { defaults, bytes: new WeakMap() };
    labelCaches.set(registry, cache);
  }
  return cache;
}

function cachedInner(cache: LabelCache, labels: Labels): Buffer {
  let inner = cache.bytes.get(labels);
  if (inner === undefined) {
    inner = Buffer.from(innerLabels(labels, cache.defaults));
    cache.bytes.set(labels, inner);
  }
  return inner;
}

/** Where the exposition goes, in pieces of bytes. */
export interface ExpositionSink {
  /**
   * Takes the next piece of the body (UTF-8; a character may be split between two pieces). The
   * bytes stay valid until `release` is called: a sink calls it at most once, when nothing will
   * read `chunk` any more (a socket wrote it, a collector copied it), and the memory is then
   * reused for later output; a sink that keeps the bytes never calls it. May return a promise to
   * apply backpressure.
   */
  write(chunk: Buffer, release: () => void): void | Promise<void>;
  /** True once nobody will read the rest (the scraper went away): writing stops. */
  readonly closed: boolean;
}

/** How long the renderer may run before it lets the event loop take other work, in ms. */
export const RENDER_SLICE_MS = 1;
/** Bytes of one output chunk; the body is written into such chunks and handed over as they fill. */
export const CHUNK_BYTES = 64 * 1024;
/** Released chunks kept for reuse by later (or concurrent) scrapes: at most 512 KiB. */
const POOLED_CHUNKS = 8;

// Chunks nobody reads any more. Rendering writes into these instead of building strings, so a
// scrape leaves almost no garbage behind (the young-generation collections that strings caused
// were the longest pauses of a large scrape).
const pool: Buffer[] = [];

const takeChunk = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);

function releaser(chunk: Buffer): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (chunk.length === CHUNK_BYTES && pool.length < POOLED_CHUNKS) pool.push(chunk);
  };
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const COMMA = 0x2c;
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const ZERO = 0x30;
const MINUS = 0x2d;
/** Longest safe integer in decimal, with its sign: -9007199254740991. */
const MAX_INT_BYTES = 17;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Writes the body into chunks of {@link CHUNK_BYTES} and decides when to hand them over and when
 * to yield. Full chunks are handed to the sink at the next checkpoint, which happens between
 * series (never inside one, so a histogram's buckets, sum and count are read together).
 */
class Writer {
  private chunk = takeChunk();
  private pos = 0;
  /** Filled parts of chunks not yet handed over, and the chunks they are part of. */
  private readonly filled: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private sliceStart = performance.now();

  constructor(private readonly sink: ExpositionSink) {}

  get closed(): boolean {
    return this.sink.closed;
  }

  /** Moves to a fresh chunk with room for `bytes`. */
  private next(bytes: number): void {
    if (this.pos > 0) {
      this.filled.push(this.chunk.subarray(0, this.pos));
      this.chunks.push(this.chunk);
    } else {
      releaser(this.chunk)(); // unused: back to the pool
    }
    this.chunk = bytes > CHUNK_BYTES ? Buffer.allocUnsafeSlow(bytes) : takeChunk();
    this.pos = 0;
  }

  bytes(source: Uint8Array): void {
    if (this.pos + source.length > this.chunk.length) this.next(source.length);
    this.chunk.set(source, this.pos);
    this.pos += source.length;
  }

  byte(value: number): void {
    if (this.pos === this.chunk.length) this.next(1);
    this.chunk[this.pos++] = value;
  }

  /** Any text, as UTF-8. */
  text(value: string): void {
    const worst = value.length * 3;
    if (this.pos + worst > this.chunk.length) this.next(worst);
    this.pos += this.chunk.write(value, this.pos);
  }

  /** Short ASCII text (a formatted number), without a call into C++. */
  private ascii(value: string): void {
    if (this.pos + value.length > this.chunk.length) this.next(value.length);
    const chunk = this.chunk;
    let pos = this.pos;
    for (let i = 0; i < value.length; i++) chunk[pos++] = value.charCodeAt(i);
    this.pos = pos;
  }

  /** A safe integer in decimal, as `String(value)` writes it (-0 as 0). */
  private int(value: number): void {
    if (this.pos + MAX_INT_BYTES > this.chunk.length) this.next(MAX_INT_BYTES);
    const chunk = this.chunk;
    let pos = this.pos;
    let rest = value;
    if (rest < 0) {
      chunk[pos++] = MINUS;
      rest = -rest;
    }
    let digits = 1;
    for (let power = 10; power <= rest; power *= 10) digits++;
    let end = pos + digits;
    this.pos = end;
    do {
      const digit = rest % 10;
      chunk[--end] = ZERO + digit;
      rest = (rest - digit) / 10;
    } while (rest > 0);
  }

  /** A sample value as the exposition formats write it (NaN, +Inf, -Inf). */
  value(value: number): void {
    if (Number.isSafeInteger(value)) this.int(value);
    else this.ascii(formatValue(value));
  }

  /** A number as `String(value)` writes it (bucket counts and `_count`, as before). */
  plain(value: number): void {
    if (Number.isSafeInteger(value)) this.int(value);
    else this.ascii(String(value));
  }

  /** Called between series: hands over full chunks, and yields when the slice is used up. */
  async checkpoint(): Promise<void> {
    if (this.filled.length > 0) await this.handOver();
    if (performance.now() - this.sliceStart >= RENDER_SLICE_MS) {
      await yieldToEventLoop();
      this.sliceStart = performance.now();
    }
  }

  /** Hands over everything written; the writer is not used after this. */
  async finish(): Promise<void> {
    if (this.pos > 0) {
      this.filled.push(this.chunk.subarray(0, this.pos));
      this.chunks.push(this.chunk);
    } else {
      releaser(this.chunk)();
    }
    await this.handOver();
  }

  private async handOver(): Promise<void> {
    const { filled, chunks } = this;
    for (let i = 0; i < filled.length && !this.sink.closed; i++) {
      const pending = this.sink.write(filled[i]!, releaser(chunks[i]!));
      if (pending !== undefined) await pending;
    }
    filled.length = 0;
    chunks.length = 0;
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

/**
 * The keys of a metric's series storage. Only the keys are taken up front: on a storage of 10,000
 * series `Object.values` holds the event loop for ~6 ms here, `Object.keys` for ~1 ms. Each
 * series is then looked up as it is written; one removed in the meantime (while the scrape
 * yielded) is left out.
 */
const seriesKeys = (map: object): string[] => Object.keys(map);

/** `name` or `name{labels}`, then a space. */
function writeSeriesName(out: Writer, name: Buffer, inner: Buffer): void {
  out.bytes(name);
  if (inner.length > 0) {
    out.byte(OPEN);
    out.bytes(inner);
    out.byte(CLOSE);
  }
  out.byte(SPACE);
}

async function writeScalars(metric: StoredMetric, format: ExpositionFormat, cache: LabelCache, out: Writer) {
  const head = header(metric, format);
  const name = Buffer.from(
    format === 'openmetrics' && metric.type === 'counter' ? `${head.family}_total` : metric.name,
  );
  out.text(headerLines(metric.help, head, format));
  const map = metric.hashMap as Record<string, ScalarEntry | undefined>;
  const keys = seriesKeys(map);
  for (let i = 0; i < keys.length; i++) {
    const entry = map[keys[i]!];
    if (entry !== undefined) {
      writeSeriesName(out, name, cachedInner(cache, entry.labels));
      out.value(entry.value);
      out.byte(NEWLINE);
    }
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
  // `le="<bound>"} ` of each bucket line, `+Inf` last.
  const le = [...keys, '+Inf'].map((key) => Buffer.from(`le="${key}"} `));
  const bucket = Buffer.from(`${metric.name}_bucket{`);
  const sumName = Buffer.from(`${metric.name}_sum`);
  const countName = Buffer.from(`${metric.name}_count`);
  out.text(headerLines(metric.help, header(metric, format), format));
  const map = metric.hashMap as Record<string, HistogramEntry | undefined>;
  const series = seriesKeys(map);
  for (let i = 0; i < series.length; i++) {
    if ((i & 7) === 7) {
      await out.checkpoint();
      if (out.closed) return;
    }
    const entry = map[series[i]!];
    if (entry === undefined) continue; // removed while the scrape yielded
    const inner = cachedInner(cache, entry.labels);
    const exemplars = provider?.(entry.labels);
    let cumulative = 0;
    for (let b = 0; b <= keys.length; b++) {
      cumulative = b < keys.length ? cumulative + entry.bucketValues[keys[b]!]! : entry.count;
      out.bytes(bucket);
      if (inner.length > 0) {
        out.bytes(inner);
        out.byte(COMMA);
      }
      out.bytes(le[b]!);
      out.plain(cumulative);
      const exemplar = exemplars?.[b];
      if (exemplar !== undefined) out.text(formatExemplar(exemplar));
      out.byte(NEWLINE);
    }
    writeSeriesName(out, sumName, inner);
    out.value(entry.sum);
    out.byte(NEWLINE);
    writeSeriesName(out, countName, inner);
    out.plain(entry.count);
    out.byte(NEWLINE);
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
 * large scrape. Series are read from prom-client's storage, their encoded labels are cached, and
 * the body is written into reused byte chunks (see {@link ExpositionSink}), so a scrape makes
 * almost no garbage for the GC.
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
    if (!om && !first) out.byte(NEWLINE);
    first = false;
    const metric = metrics[i]!;
    const kind = kinds[i]!;
    if (kind === 'scalar') await writeScalars(metric as StoredMetric, format, cache, out);
    else if (kind === 'histogram') {
      const provider = om ? getExemplarProvider(registry, metric.name) : undefined;
      await writeHistogram(metric as StoredMetric, format, cache, out, provider);
    } else if (result.data !== undefined) out.text(formatData(result.data, format, cache.defaults));
    if (out.closed) return;
    await out.checkpoint();
    if (out.closed) return;
  }
  if (om) out.text('# EOF\n');
  await out.finish();
}

/** {@link writeExposition} into one string (tests, and servers that serialise themselves). */
export async function serializeRegistry(
  registry: Registry,
  format: ExpositionFormat,
  onFailure: (error: unknown, metricName: string) => void,
  collectBudgetMs = 10_000,
): Promise<string> {
  const chunks: Buffer[] = [];
  await writeExposition(
    registry,
    {
      write(chunk, release) {
        chunks.push(Buffer.from(chunk));
        release();
      },
      closed: false,
    },
    { format, onFailure, collectBudgetMs },
  );
  return Buffer.concat(chunks).toString('utf8');
}
