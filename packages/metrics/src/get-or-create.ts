import {
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Registry,
} from 'prom-client';
import { conflictError } from './errors';
import type { MetricInternals } from './internal-types';

type AnyConfig = { name: string; labelNames?: readonly string[]; buckets?: number[] };

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((label) => set.has(label));
}

/** Returns the metric already registered under the name, after checking it matches the configuration. */
function existing(registry: Registry, type: string, config: AnyConfig): MetricInternals | undefined {
  const found = registry.getSingleMetric(config.name) as unknown as MetricInternals | undefined;
  if (!found) return undefined;
  if (found.type !== type) throw conflictError(config.name, `as a ${found.type}, not a ${type}`);
  const wanted = config.labelNames ?? [];
  if (!sameLabels(found.labelNames, wanted)) {
    throw conflictError(config.name, `with labels [${found.labelNames.join(', ')}], not [${wanted.join(', ')}]`);
  }
  if (config.buckets && found.upperBounds && found.upperBounds.join() !== config.buckets.join()) {
    throw conflictError(
      config.name,
      `with buckets [${found.upperBounds.join(', ')}], not [${config.buckets.join(', ')}]`,
    );
  }
  return found;
}

/**
 * Returns the counter registered under `configuration.name` on `registry`, creating it on first
 * call. Throws `METRICS_ERR_CONFLICT` when a metric of that name has another type or label names.
 */
export function getOrCreateCounter<T extends string>(
  registry: Registry,
  configuration: Omit<CounterConfiguration<T>, 'registers'>,
): Counter<T> {
  const found = existing(registry, 'counter', configuration);
  if (found) return found as unknown as Counter<T>;
  return new Counter<T>({ ...configuration, registers: [registry] });
}

/** Like {@link getOrCreateCounter}, for gauges. */
export function getOrCreateGauge<T extends string>(
  registry: Registry,
  configuration: Omit<GaugeConfiguration<T>, 'registers'>,
): Gauge<T> {
  const found = existing(registry, 'gauge', configuration);
  if (found) return found as unknown as Gauge<T>;
  return new Gauge<T>({ ...configuration, registers: [registry] });
}

/** Like {@link getOrCreateCounter}, for histograms; the buckets must match too. */
export function getOrCreateHistogram<T extends string>(
  registry: Registry,
  configuration: Omit<HistogramConfiguration<T>, 'registers'>,
): Histogram<T> {
  const found = existing(registry, 'histogram', configuration);
  if (found) return found as unknown as Histogram<T>;
  return new Histogram<T>({ ...configuration, registers: [registry] });
}
