import type { Histogram, LabelValues } from 'prom-client';

/**
 * Runs `fn` and observes its duration in seconds on `histogram` with `labels`, whether it resolves
 * or rejects; the result or the rejection passes through unchanged.
 */
export async function timeAsync<T extends string, R>(
  histogram: Histogram<T>,
  labels: LabelValues<T>,
  fn: () => Promise<R> | R,
): Promise<R> {
  const start = process.hrtime.bigint();
  try {
    return await fn();
  } finally {
    histogram.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
  }
}
