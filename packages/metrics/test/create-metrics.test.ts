import { register as globalRegistry, Registry } from 'prom-client';
import {
  createMetrics,
  DEFAULT_HTTP_DURATION_BUCKETS,
  getOrCreateCounter,
  getOrCreateGauge,
  getOrCreateHistogram,
  METRIC_NAMES,
  MetricsError,
} from '../src';

type Described = { name: string; type: string; labelNames: string[]; upperBounds?: number[] };
const describeMetric = (registry: Registry, name: string) =>
  registry.getSingleMetric(name) as unknown as Described | undefined;

describe('createMetrics', () => {
  it('builds exactly the documented metric set on a new registry, never the global one', () => {
    const before = globalRegistry.getMetricsAsArray().length;
    const metrics = createMetrics();
    expect(metrics.registry).not.toBe(globalRegistry);
    expect(globalRegistry.getMetricsAsArray().length).toBe(before);
    const expected: Array<[string, string, string[]]> = [
      ['http_request_duration_seconds', 'histogram', ['method', 'route', 'status_code']],
      ['http_requests_total', 'counter', ['method', 'route', 'status_code']],
      ['http_requests_in_flight', 'gauge', []],
      ['stellar_transactions_total', 'counter', ['method', 'status']],
      ['stellar_transaction_duration_seconds', 'histogram', ['method']],
      ['db_active_connections', 'gauge', []],
      ['redis_connected', 'gauge', []],
      ['metrics_label_overflow_total', 'counter', ['metric', 'label']],
    ];
    for (const [name, type, labels] of expected) {
      const metric = describeMetric(metrics.registry, name);
      expect({ name, type: metric?.type, labels: metric?.labelNames }).toEqual({ name, type, labels });
    }
    expect(metrics.registry.getMetricsAsArray()).toHaveLength(expected.length);
    expect(describeMetric(metrics.registry, 'http_request_duration_seconds')?.upperBounds).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
    expect(DEFAULT_HTTP_DURATION_BUCKETS).toHaveLength(14);
    expect(describeMetric(metrics.registry, 'stellar_transaction_duration_seconds')?.upperBounds).toEqual([
      0.5, 1, 2, 5, 10, 30,
    ]);
    expect(Object.values(metrics.names)).toEqual(Object.values(METRIC_NAMES));
  });

  it('returns the same objects when called again on the same registry', () => {
    const registry = new Registry();
    const first = createMetrics({ registry, collectDefaultMetrics: true });
    const second = createMetrics({ registry, collectDefaultMetrics: true });
    expect(second).toBe(first);
    expect(second.httpRequestDuration).toBe(first.httpRequestDuration);
    first.recordHttpRequest('GET', '/a', 200, 0.1);
    expect(second.http.inFlight).toBe(0);
  });

  it('adopts metrics someone registered with the same definition', () => {
    const registry = new Registry();
    const early = getOrCreateCounter(registry, {
      name: 'stellar_transactions_total',
      help: 'registered first by someone else',
      labelNames: ['method', 'status'],
    });
    expect(createMetrics({ registry }).stellarTransactionsTotal).toBe(early);
  });

  it('applies the prefix to every name, and keeps one set per prefix', async () => {
    const registry = new Registry();
    const learn = createMetrics({ registry, prefix: 'learn_' });
    const other = createMetrics({ registry, prefix: 'other_' });
    expect(other).not.toBe(learn);
    expect(learn.names.httpRequestsTotal).toBe('learn_http_requests_total');
    learn.recordHttpRequest('GET', '/a', 200, 0.1);
    const text = await registry.metrics();
    expect(text).toContain('learn_http_requests_total{method="GET",route="/a",status_code="200"} 1');
    expect(text).toContain('# TYPE other_redis_connected gauge');
  });

  it('adds default labels and prom-client default metrics on request', async () => {
    const metrics = createMetrics({ defaultLabels: { service: 'learn-api' }, collectDefaultMetrics: true });
    metrics.stellarTransactionsTotal.inc({ method: 'payment', status: 'success' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('stellar_transactions_total{method="payment",status="success",service="learn-api"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('nodejs_active_handles_total');
  });

  it('adds default metrics on a later call that asks for them', async () => {
    const registry = new Registry();
    createMetrics({ registry });
    createMetrics({ registry, collectDefaultMetrics: true });
    createMetrics({ registry, collectDefaultMetrics: true });
    expect(await registry.metrics()).toContain('# TYPE process_cpu_user_seconds_total counter');
  });

  it('takes custom HTTP buckets', () => {
    const metrics = createMetrics({ httpDurationBuckets: [0.1, 1] });
    expect((metrics.httpRequestDuration as unknown as Described).upperBounds).toEqual([0.1, 1]);
  });

  it.each([
    [{ maxLabelValues: 0 }, 'maxLabelValues'],
    [{ maxLabelValues: 1.5 }, 'maxLabelValues'],
    [{ httpDurationBuckets: [] }, 'httpDurationBuckets'],
    [{ httpDurationBuckets: [Number.NaN] }, 'httpDurationBuckets'],
    [{ prefix: 'bad-prefix' }, 'prefix'],
  ])('rejects %p with METRICS_ERR_INVALID_OPTION', (options, option) => {
    expect(() => createMetrics(options)).toThrow(expect.objectContaining({ code: 'METRICS_ERR_INVALID_OPTION' }));
    expect(() => createMetrics(options)).toThrow(option);
  });
});

describe('getOrCreate*', () => {
  it('are idempotent', () => {
    const registry = new Registry();
    const config = { name: 'jobs_total', help: 'h', labelNames: ['queue'] as const };
    expect(getOrCreateCounter(registry, config)).toBe(getOrCreateCounter(registry, config));
    const gauge = { name: 'depth', help: 'h' };
    expect(getOrCreateGauge(registry, gauge)).toBe(getOrCreateGauge(registry, gauge));
    const histogram = { name: 'wait_seconds', help: 'h', buckets: [1, 2] };
    expect(getOrCreateHistogram(registry, histogram)).toBe(getOrCreateHistogram(registry, histogram));
  });

  it('explain a conflicting type, label set or buckets with METRICS_ERR_CONFLICT', () => {
    const registry = new Registry();
    getOrCreateCounter(registry, { name: 'jobs_total', help: 'h', labelNames: ['queue'] });
    getOrCreateHistogram(registry, { name: 'wait_seconds', help: 'h', buckets: [1, 2] });
    const attempts = [
      () => getOrCreateGauge(registry, { name: 'jobs_total', help: 'h', labelNames: ['queue'] }),
      () => getOrCreateCounter(registry, { name: 'jobs_total', help: 'h', labelNames: ['queue', 'status'] }),
      () => getOrCreateHistogram(registry, { name: 'wait_seconds', help: 'h', buckets: [1, 5] }),
    ];
    const messages = attempts.map((attempt) => {
      try {
        attempt();
      } catch (error) {
        expect(error).toBeInstanceOf(MetricsError);
        expect((error as MetricsError).code).toBe('METRICS_ERR_CONFLICT');
        return (error as Error).message;
      }
      return 'did not throw';
    });
    expect(messages).toEqual([
      'Metric "jobs_total" is already registered as a counter, not a gauge',
      'Metric "jobs_total" is already registered with labels [queue], not [queue, status]',
      'Metric "wait_seconds" is already registered with buckets [1, 2], not [1, 5]',
    ]);
  });
});
