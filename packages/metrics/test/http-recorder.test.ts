import { createMetrics, LABEL_OVERFLOW, METHOD_OTHER, ROUTE_UNMATCHED } from '../src';
import { samples } from './helpers/promtool';

describe('HTTP recording core', () => {
  it('bounds every label: methods, status codes, routes', async () => {
    const metrics = createMetrics({ maxLabelValues: 3 });
    for (let i = 0; i < 10_000; i++) metrics.recordHttpRequest(`M${i}`, undefined, 404, 0.001);
    metrics.recordHttpRequest('get', '/a', 200, 0.001); // methods are case-sensitive
    metrics.recordHttpRequest('GET', '/a', 'abc', 0.001);
    metrics.recordHttpRequest('GET', '/a', 99, 0.001);
    for (const status of [200, 201, 202, 203, 204]) metrics.recordHttpRequest('GET', '/a', status, 0.001);
    for (const route of ['/b', '/c', '/d', '/e']) metrics.recordHttpRequest('PATCH', route, 200, 0.001);
    const text = await metrics.registry.metrics();
    expect(samples(text, 'http_requests_total').sort()).toEqual(
      [
        `http_requests_total{method="${METHOD_OTHER}",route="${ROUTE_UNMATCHED}",status_code="404"} 10000`,
        `http_requests_total{method="${METHOD_OTHER}",route="/a",status_code="200"} 1`,
        'http_requests_total{method="GET",route="/a",status_code="200"} 1',
        `http_requests_total{method="GET",route="/a",status_code="${LABEL_OVERFLOW}"} 3`,
        'http_requests_total{method="GET",route="/a",status_code="201"} 1',
        'http_requests_total{method="GET",route="/a",status_code="_OTHER"} 2',
        `http_requests_total{method="PATCH",route="${LABEL_OVERFLOW}",status_code="200"} 2`,
        'http_requests_total{method="PATCH",route="/b",status_code="200"} 1',
        'http_requests_total{method="PATCH",route="/c",status_code="200"} 1',
      ].sort(),
    );
    expect(samples(text, 'metrics_label_overflow_total').sort()).toEqual([
      'metrics_label_overflow_total{metric="http_request_duration_seconds",label="route"} 2',
      'metrics_label_overflow_total{metric="http_request_duration_seconds",label="status_code"} 3',
    ]);
  });

  it('keeps histogram and counter in step, and tracks in-flight requests', async () => {
    const metrics = createMetrics();
    metrics.http.start();
    metrics.http.start();
    expect((await metrics.registry.metrics()).includes('http_requests_in_flight 2')).toBe(true);
    metrics.http.end('GET', '/a', 200, 0.2);
    metrics.http.abandon();
    metrics.http.record('GET', '/a', 200, Number.NaN);
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_requests_in_flight 0');
    expect(text).toContain('http_requests_total{method="GET",route="/a",status_code="200"} 2');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/a",status_code="200"} 2');
    expect(text).toContain('http_request_duration_seconds_sum{method="GET",route="/a",status_code="200"} 0.2');
  });

  it('writes exactly what prom-client observe would, including after reset and remove', async () => {
    const metrics = createMetrics();
    const reference = createMetrics();
    const durations = [0, 0.005, 0.0051, 0.3, 2.5, 9.99, 10, 11, 120, 0.075];
    const run = (m: typeof metrics, direct: boolean) => {
      for (const [i, seconds] of durations.entries()) {
        const status = i % 2 ? 200 : 503;
        if (direct) m.httpRequestDuration.observe({ method: 'GET', route: '/q', status_code: String(status) }, seconds);
        else m.recordHttpRequest('GET', '/q', status, seconds);
      }
    };
    const histogram = async (m: typeof metrics) =>
      (await m.registry.getSingleMetricAsString('http_request_duration_seconds')).split('\n').sort();
    run(metrics, false);
    run(reference, true);
    expect(await histogram(metrics)).toEqual(await histogram(reference));

    metrics.registry.resetMetrics();
    reference.registry.resetMetrics();
    run(metrics, false);
    run(reference, true);
    expect(await histogram(metrics)).toEqual(await histogram(reference));

    metrics.httpRequestDuration.remove({ method: 'GET', route: '/q', status_code: '200' });
    reference.httpRequestDuration.remove({ method: 'GET', route: '/q', status_code: '200' });
    run(metrics, false);
    run(reference, true);
    expect(await histogram(metrics)).toEqual(await histogram(reference));
    expect(await histogram(metrics)).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/q",status_code="503"} 10',
    );
  });

  it('limitLabel bounds any other label by the same budget', async () => {
    const metrics = createMetrics({ maxLabelValues: 2 });
    const ids = ['c1', 'c2', 'c3', 'c1', 'c4'].map((id) =>
      metrics.limitLabel('orders_placed_total', 'customer_id', id),
    );
    expect(ids).toEqual(['c1', 'c2', LABEL_OVERFLOW, 'c1', LABEL_OVERFLOW]);
    expect(await metrics.registry.metrics()).toContain(
      'metrics_label_overflow_total{metric="orders_placed_total",label="customer_id"} 2',
    );
  });
});
