import type { Registry } from 'prom-client';

/** Fields every prom-client 15 metric instance carries (not all are in its .d.ts). */
export interface MetricInternals {
  name: string;
  help: string;
  type: string;
  labelNames: readonly string[];
  upperBounds?: readonly number[];
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: ReadonlyArray<{
      value: number;
      labels: Record<string, string | number>;
      metricName?: string;
    }>;
  }>;
}

/** prom-client keeps registry default labels in a field without a getter. */
export function registryDefaultLabels(registry: Registry): Record<string, string | number> {
  const labels = (registry as unknown as { _defaultLabels?: Record<string, string | number> })._defaultLabels;
  return labels ?? {};
}
