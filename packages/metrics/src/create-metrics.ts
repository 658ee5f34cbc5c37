import { collectDefaultMetrics, Registry } from 'prom-client';
import { invalidOptionError } from './errors';
import { setExemplarProvider } from './exemplars';
import { getOrCreateCounter, getOrCreateGauge, getOrCreateHistogram } from './get-or-create';
import { HttpMetricsRecorder } from './http-recorder';
import { LabelBudget } from './label-budget';
import { createLiveSources, liveSourcesOf } from './live-sources';
import {
  DEFAULT_HTTP_DURATION_BUCKETS,
  DEFAULT_MAX_LABEL_VALUES,
  LABEL_NAMES as L,
  METRIC_NAMES,
  STELLAR_DURATION_BUCKETS,
} from './names';
import type { AppMetrics, MetricsOptions } from './types';

// One metric set per (registry, prefix): a second call returns the first set, never "already registered".
const built = new WeakMap<Registry, Map<string, AppMetrics>>();

function prefixed(prefix: string): AppMetrics['names'] {
  const names = {} as Record<keyof typeof METRIC_NAMES, string>;
  for (const key of Object.keys(METRIC_NAMES) as Array<keyof typeof METRIC_NAMES>) {
    names[key] = `${prefix}${METRIC_NAMES[key]}`;
  }
  // Registered by createMetricsHandler, which knows the registry but not the prefix.
  names.collectErrorsTotal = METRIC_NAMES.collectErrorsTotal;
  return names;
}

function validate(options: MetricsOptions): void {
  const max = options.maxLabelValues;
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
    throw invalidOptionError('maxLabelValues', `expected a positive integer, got ${max}`);
  }
  const buckets = options.httpDurationBuckets;
  if (buckets !== undefined && (buckets.length === 0 || !buckets.every((b) => Number.isFinite(b) && b > 0))) {
    throw invalidOptionError('httpDurationBuckets', 'expected a non-empty list of positive numbers');
  }
  if (options.prefix !== undefined && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(options.prefix)) {
    throw invalidOptionError('prefix', `"${options.prefix}" is not a valid metric name prefix`);
  }
}

/** prom-client's default metrics, once per registry and prefix. */
function addDefaultMetrics(registry: Registry, prefix: string): void {
  if (registry.getSingleMetric(`${prefix}process_cpu_user_seconds_total`)) return;
  collectDefaultMetrics({ register: registry, prefix });
  // These gauges end in _total, which Prometheus reserves for counters (promtool rejects them);
  // summing nodejs_active_handles / _requests / _resources by type gives the same numbers.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
    registry.removeSingleMetric(`${prefix}nodejs_${name}`);
  }
}

/**
 * Builds the metric set on a registry the caller owns (default: a new one). Calling it again with
 * the same registry and prefix returns the same objects; `defaultLabels` of a later call replace
 * the registry's default labels.
 */
export function createMetrics(options: MetricsOptions = {}): AppMetrics {
  validate(options);
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? '';
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.collectDefaultMetrics) addDefaultMetrics(registry, prefix);
  let byPrefix = built.get(registry);
  const previous = byPrefix?.get(prefix);
  if (previous) return previous;

  const names = prefixed(prefix);
  const max = options.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES;
  const labelOverflowTotal = getOrCreateCounter<'metric' | 'label'>(registry, {
    name: names.labelOverflowTotal,
    help: 'Label values collapsed into "__overflow__" because the label reached its cardinality budget.',
    labelNames: [L.metric, L.label],
  });
  const budgets = new Map<string, LabelBudget>();
  const budget = (metric: string, label: string): LabelBudget => {
    const key = `${metric}\u0000${label}`;
    let found = budgets.get(key);
    if (!found) {
      found = new LabelBudget(max, () => labelOverflowTotal.inc({ metric, label }));
      budgets.set(key, found);
    }
    return found;
  };

  const httpRequestDuration = getOrCreateHistogram<'method' | 'route' | 'status_code'>(registry, {
    name: names.httpRequestDuration,
    help: 'Duration of HTTP requests in seconds, by method, route template and status code.',
    labelNames: [L.method, L.route, L.statusCode],
    buckets: [...(options.httpDurationBuckets ?? DEFAULT_HTTP_DURATION_BUCKETS)],
  });
  // Counts and in-flight are plain integers in the recorder; collect hands them to prom-client.
  let recorder: HttpMetricsRecorder | undefined;
  const httpRequestsTotal = getOrCreateCounter<'method' | 'route' | 'status_code'>(registry, {
    name: names.httpRequestsTotal,
    help: 'HTTP requests handled, by method, route template and status code.',
    labelNames: [L.method, L.route, L.statusCode],
    collect: () => recorder?.sync(),
  });
  const httpRequestsInFlight = getOrCreateGauge(registry, {
    name: names.httpRequestsInFlight,
    help: 'HTTP requests currently being handled.',
    collect: () => recorder?.sync(),
  });
  recorder = new HttpMetricsRecorder({
    duration: httpRequestDuration,
    total: httpRequestsTotal,
    inFlight: httpRequestsInFlight,
    routeBudget: budget(names.httpRequestDuration, L.route),
    statusBudget: budget(names.httpRequestDuration, L.statusCode),
  });
  const http = recorder;
  setExemplarProvider(registry, names.httpRequestDuration, (labels) => http.exemplarsFor(labels));

  const live = createLiveSources();
  const metrics: AppMetrics = {
    registry,
    names,
    httpRequestDuration,
    httpRequestsTotal,
    httpRequestsInFlight,
    stellarTransactionsTotal: getOrCreateCounter(registry, {
      name: names.stellarTransactionsTotal,
      help: 'Stellar transactions submitted, by operation method and outcome status.',
      labelNames: [L.method, L.status],
    }),
    stellarTransactionDuration: getOrCreateHistogram(registry, {
      name: names.stellarTransactionDuration,
      help: 'Duration of Stellar transaction submissions in seconds, by operation method.',
      labelNames: [L.method],
      buckets: [...STELLAR_DURATION_BUCKETS],
    }),
    dbActiveConnections: getOrCreateGauge(registry, {
      name: names.dbActiveConnections,
      help: 'PostgreSQL connections checked out of the observed pools.',
      collect() {
        this.set(live.dbActiveConnections());
      },
    }),
    redisConnected: getOrCreateGauge(registry, {
      name: names.redisConnected,
      help: 'Whether the observed Redis clients are connected (1) or not (0).',
      collect() {
        this.set(live.redisConnected());
      },
    }),
    labelOverflowTotal,
    http,
    recordHttpRequest: (method, route, statusCode, durationSeconds) =>
      http.record(method, route, statusCode, durationSeconds),
    limitLabel: (metricName, labelName, value) => budget(metricName, labelName).admit(value),
  };
  liveSourcesOf.set(metrics, live);

  if (!byPrefix) {
    byPrefix = new Map();
    built.set(registry, byPrefix);
  }
  byPrefix.set(prefix, metrics);
  return metrics;
}
