import { Counter, Gauge, Registry } from 'prom-client';
import { createMetrics, createMetricsHandler, MetricsError } from '../src';
import { promtoolCheckMetrics } from './helpers/promtool';
import { type Served, serve } from './helpers/scrape';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** A registry with a collect callback that never settles, one that settles late but in time, and plain metrics. */
function withHungCollect() {
  const registry = new Registry();
  const metrics = createMetrics({ registry });
  metrics.recordHttpRequest('GET', '/a', 200, 0.01);
  let hungCalls = 0;
  new Gauge({
    name: 'hung_queue_depth',
    help: 'Its collect never settles.',
    registers: [registry],
    collect() {
      hungCalls++;
      return new Promise<void>(() => {});
    },
  });
  new Gauge({
    name: 'slow_queue_depth',
    help: 'Its collect settles after a tick.',
    registers: [registry],
    async collect() {
      await new Promise((resolve) => setImmediate(resolve));
      this.set(3);
    },
  });
  new Counter({ name: 'jobs_total', help: 'A plain counter.', registers: [registry] }).inc(5);
  return { registry, hungCalls: () => hungCalls };
}

describe('scrape budget', () => {
  it('cuts a hung collect at the scrape-timeout header, counts it, and serves the rest', async () => {
    const { registry, hungCalls } = withHungCollect();
    const reported: Array<{ name: string; error: unknown }> = [];
    served = await serve(
      createMetricsHandler(registry, {
        collectTimeoutMs: 600_000, // the header decides
        onCollectError: (error, name) => reported.push({ name, error }),
      }),
    );
    const headers = { 'x-prometheus-scrape-timeout-seconds': '0.2' };
    const first = await fetch(served.url, { headers });
    const body = await first.text();
    expect(first.status).toBe(200);
    expect(body).not.toMatch(/^hung_queue_depth/m);
    expect(body).toContain('slow_queue_depth 3');
    expect(body).toContain('jobs_total 5');
    expect(body).toContain('http_requests_total{method="GET",route="/a",status_code="200"} 1');
    expect(body).toContain('metrics_collect_errors_total{metric="hung_queue_depth"} 1');
    expect(promtoolCheckMetrics(body)).toEqual({ status: 0, output: '' });
    expect(reported.map((r) => r.name)).toEqual(['hung_queue_depth']);
    expect(reported[0]!.error).toBeInstanceOf(MetricsError);
    expect((reported[0]!.error as MetricsError).code).toBe('METRICS_ERR_COLLECT_TIMEOUT');

    // The callback still hangs: the next scrape waits on it again instead of calling it again.
    const second = await (await fetch(served.url, { headers })).text();
    expect(second).toContain('metrics_collect_errors_total{metric="hung_queue_depth"} 2');
    expect(hungCalls()).toBe(1);
  });

  it('cuts a hung collect at the configured bound when the scraper sends no timeout', async () => {
    const { registry } = withHungCollect();
    served = await serve(createMetricsHandler(registry, { collectTimeoutMs: 150, onCollectError: () => {} }));
    const response = await fetch(served.url);
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain('jobs_total 5');
    expect(body).toContain('metrics_collect_errors_total{metric="hung_queue_depth"} 1');
  });

  it('ignores a malformed timeout header and uses the configured bound', async () => {
    const { registry } = withHungCollect();
    served = await serve(createMetricsHandler(registry, { collectTimeoutMs: 150, onCollectError: () => {} }));
    for (const value of ['abc', '-1', '0', '']) {
      const response = await fetch(served.url, { headers: { 'x-prometheus-scrape-timeout-seconds': value } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('jobs_total 5');
    }
  });

  it('rejects a collect bound that is not a positive number', () => {
    const registry = new Registry();
    for (const collectTimeoutMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createMetricsHandler(registry, { collectTimeoutMs })).toThrow(
        expect.objectContaining({ code: 'METRICS_ERR_INVALID_OPTION' }),
      );
    }
  });
});
