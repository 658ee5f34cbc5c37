import type { Registry } from 'prom-client';

/** An OpenMetrics exemplar: the labels of one observation, its value and time (seconds). */
export interface Exemplar {
  labels: Record<string, string>;
  value: number;
  timestamp: number;
}

/**
 * Finds the exemplars of one histogram series from its labels (as prom-client stores them):
 * indexed like the bucket bounds, the last index being `+Inf`; `undefined` when it has none.
 */
export type ExemplarProvider = (
  labels: Record<string, string | number>,
) => ReadonlyArray<Exemplar | undefined> | undefined;

const providers = new WeakMap<Registry, Map<string, ExemplarProvider>>();

/** Lets the exposition attach exemplars to the `_bucket` samples of `metricName`. */
export function setExemplarProvider(registry: Registry, metricName: string, provider: ExemplarProvider): void {
  let byName = providers.get(registry);
  if (!byName) {
    byName = new Map();
    providers.set(registry, byName);
  }
  byName.set(metricName, provider);
}

export function getExemplarProvider(registry: Registry, metricName: string): ExemplarProvider | undefined {
  return providers.get(registry)?.get(metricName);
}
