import type { Registry } from 'prom-client';
import type { ExpositionFormat } from './accept';
import { type Exemplar, getExemplarProvider } from './exemplars';
import { type MetricInternals, registryDefaultLabels } from './internal-types';

type Data = Awaited<ReturnType<MetricInternals['get']>>;
type Labels = Record<string, string | number>;

// Labels that belong after the series' own labels, as in the Prometheus clients.
const TRAILING = new Set(['le', 'quantile']);

function escapeLabelValue(value: string | number): string {
  return String(value).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
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

function formatLabels(labels: Labels, defaults: Labels): string {
  const parts: string[] = [];
  const trailing: string[] = [];
  for (const name of Object.keys(labels)) {
    const part = `${name}="${escapeLabelValue(labels[name]!)}"`;
    if (TRAILING.has(name)) trailing.push(part);
    else parts.push(part);
  }
  for (const name of Object.keys(defaults)) {
    if (!(name in labels)) parts.push(`${name}="${escapeLabelValue(defaults[name]!)}"`);
  }
  parts.push(...trailing);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatExemplar(exemplar: Exemplar): string {
  const labels = Object.entries(exemplar.labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return ` # {${labels.join(',')}} ${formatValue(exemplar.value)} ${exemplar.timestamp.toFixed(3)}`;
}

/** Writes one metric family in the text format (0.0.4) or OpenMetrics 1.0. */
function formatFamily(data: Data, format: ExpositionFormat, defaults: Labels, registry: Registry): string {
  const om = format === 'openmetrics';
  const counter = data.type === 'counter';
  const family = om && counter ? data.name.replace(/_total$/, '') : data.name;
  const type = om && data.type === 'untyped' ? 'unknown' : data.type;
  const provider = om && data.type === 'histogram' ? getExemplarProvider(registry, data.name) : undefined;
  const bucket = `${data.name}_bucket`;
  const lines = [`# HELP ${family} ${escapeHelp(data.help, format)}`, `# TYPE ${family} ${type}`];
  for (const sample of data.values) {
    const name = om && counter ? `${family}_total` : (sample.metricName ?? data.name);
    let line = `${name}${formatLabels(sample.labels, defaults)} ${formatValue(sample.value)}`;
    if (provider !== undefined && sample.metricName === bucket) {
      const exemplar = provider(sample.labels);
      if (exemplar !== undefined) line += formatExemplar(exemplar);
    }
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Serialises a registry. Each metric is collected on its own: one whose collect callback fails
 * is passed to `onFailure` and left out, and the others are served. Metrics in `late` are
 * collected after the failures are reported, so a failure counter includes this scrape.
 */
export async function serializeRegistry(
  registry: Registry,
  format: ExpositionFormat,
  onFailure: (error: unknown, metricName: string) => void,
  late: ReadonlySet<unknown> = new Set(),
): Promise<string> {
  const metrics = registry.getMetricsAsArray() as unknown as MetricInternals[];
  // Promise.resolve().then() also catches a get() that throws synchronously.
  const collected = await Promise.allSettled(
    metrics.map((m) => (late.has(m) ? undefined : Promise.resolve().then(() => m.get()))),
  );
  collected.forEach((result, index) => {
    if (result.status === 'rejected') onFailure(result.reason, metrics[index]!.name);
  });
  const defaults = registryDefaultLabels(registry);
  const families: string[] = [];
  for (const [index, metric] of metrics.entries()) {
    const result = collected[index]!;
    let data: Data | undefined;
    if (late.has(metric)) {
      try {
        data = await metric.get();
      } catch (error) {
        onFailure(error, metric.name);
      }
    } else if (result.status === 'fulfilled') {
      data = result.value;
    }
    if (data !== undefined) families.push(formatFamily(data, format, defaults, registry));
  }
  return format === 'openmetrics' ? `${families.join('')}# EOF\n` : families.join('\n');
}
