import type { Histogram } from 'prom-client';

/** The storage prom-client 15 keeps per histogram series. */
interface SeriesEntry {
  labels: object;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

interface HistogramInternals {
  hashMap?: Record<string, SeriesEntry>;
}

/**
 * One histogram series updated in place. prom-client re-validates and re-hashes the labels on
 * every observe, even through `labels()`; the cell finds the series' entry once and then only
 * checks that it is still the live one (a `reset()` or `remove()` replaces it). If the entry
 * cannot be found, for instance in another prom-client version, every call goes through
 * prom-client's own `observe`.
 */
export class HistogramCell {
  private key = '';
  private entry: SeriesEntry | undefined;
  private direct = true;
  private readonly fallback: (value: number) => void;

  constructor(
    private readonly histogram: Histogram<string>,
    private readonly labels: Record<string, string>,
    private readonly bucketKeys: readonly string[],
  ) {
    this.fallback = histogram.labels(labels).observe;
  }

  /** Observes `value`, which falls in bucket `bucket` (an index into the bounds; past the end: +Inf only). */
  observe(value: number, bucket: number): void {
    const map = (this.histogram as unknown as HistogramInternals).hashMap;
    const entry = this.entry;
    if (entry !== undefined && map !== undefined && map[this.key] === entry) {
      entry.sum += value;
      entry.count += 1;
      if (bucket < this.bucketKeys.length) entry.bucketValues[this.bucketKeys[bucket]!]! += 1;
      return;
    }
    this.fallback(value);
    if (this.direct) this.bind(map);
  }

  private bind(map: Record<string, SeriesEntry> | undefined): void {
    this.entry = undefined;
    if (map !== undefined) {
      for (const key of Object.keys(map)) {
        if (map[key]!.labels === this.labels) {
          this.key = key;
          this.entry = map[key];
          return;
        }
      }
    }
    this.direct = false;
  }
}
