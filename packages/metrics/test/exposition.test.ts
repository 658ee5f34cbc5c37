import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Gauge, Registry } from 'prom-client';
import {
  createMetrics,
  createMetricsHandler,
  getOrCreateCounter,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  registerCounterSource,
} from '../src';
import { openMetricsProblems } from './helpers/openmetrics-rules';
import { promtoolCheckMetrics, promtoolCheckOpenMetrics, samples } from './helpers/promtool';
import { OPENMETRICS_ACCEPT, type Served, serve } from './helpers/scrape';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** A registry with every metric of the set populated, default process metrics and awkward label values. */
function populated(): ReturnType<typeof createMetrics> {
  const metrics = createMetrics({ collectDefaultMetrics: true, defaultLabels: { service: 'learn "api"\\x' } });
  metrics.recordHttpRequest('GET', '/quizzes/:quizId', 200, 0.012);
  metrics.recordHttpRequest('POST', '/rewards/claim', 500, 1.7);
  metrics.recordHttpRequest('BREW', undefined, 404, 0.001);
  metrics.http.start();
  metrics.stellarTransactionsTotal.inc({ method: 'payment', status: 'success' });
  metrics.stellarTransactionDuration.observe({ method: 'payment' }, 4.2);
  // A service's own domain counter next to the set, with an awkward label value.
  const orders = getOrCreateCounter<'customer_id'>(metrics.registry, {
    name: 'orders_placed_total',
    help: 'Orders placed, by customer id.',
    labelNames: ['customer_id'],
  });
  orders.inc({ customer_id: metrics.limitLabel('orders_placed_total', 'customer_id', 'c\n"1"\\') });
  registerCounterSource(metrics.registry, {
    name: 'audit_events_written_total',
    help: 'Audit events "written"\nto PostgreSQL \\ pino.',
    labelNames: ['kind'],
    read: () => [{ labels: { kind: 'reward.claimed' }, value: 3 }],
  });
  return metrics;
}

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('exposition', () => {
  it('serves the text format that promtool check metrics accepts without a single remark', async () => {
    const metrics = populated();
    served = await serve(createMetricsHandler(metrics.registry));
    const { status, type, body } = await scrape(served.url);
    expect(status).toBe(200);
    expect(type).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('http_requests_total{method="_OTHER",route="__unmatched__",status_code="404"');
    expect(body).toContain('orders_placed_total{customer_id="c\\n\\"1\\"\\\\",service="learn \\"api\\"\\\\x"} 1');
    expect(promtoolCheckMetrics(body)).toEqual({ status: 0, output: '' });
  });

  it('serves OpenMetrics when the scraper asks, and Prometheus own OpenMetrics parser accepts it', async () => {
    const metrics = populated();
    served = await serve(createMetricsHandler(metrics.registry));
    const { status, type, body } = await scrape(served.url, { accept: OPENMETRICS_ACCEPT });
    expect(status).toBe(200);
    expect(type).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect(body).toContain('# TYPE http_requests counter\n');
    expect(samples(body, 'http_requests_total')).toHaveLength(3);
    expect(body).toContain('# TYPE audit_events_written counter');
    expect(body).toContain('audit_events_written_total{kind="reward.claimed",service="learn \\"api\\"\\\\x"} 3');
    expect(promtoolCheckOpenMetrics(body)).toEqual({ status: 0, output: '' });
    expect(openMetricsProblems(body)).toEqual([]);
  });

  it('keeps counter names intact in the text format after an OpenMetrics scrape', async () => {
    const metrics = populated();
    served = await serve(createMetricsHandler(metrics.registry));
    await scrape(served.url, { accept: OPENMETRICS_ACCEPT });
    const { body } = await scrape(served.url);
    expect(samples(body, 'http_requests_total')).toHaveLength(3);
    expect(promtoolCheckMetrics(body).status).toBe(0);
  });

  it('the checks fail on invalid input, so passing means something', () => {
    expect(promtoolCheckOpenMetrics('# TYPE x gauge\nx 1\n').status).not.toBe(0);
    expect(promtoolCheckOpenMetrics('# TYPE x gauge\nx 1 # {trace_id="a"} 1 2\n# EOF\n').status).not.toBe(0);
    expect(openMetricsProblems('# TYPE x counter\nx 1\n# EOF\n')).toEqual([
      'sample x does not belong to counter family x',
    ]);
    expect(openMetricsProblems('# TYPE x_total counter\nx_total 1\n# EOF\n')).toHaveLength(2);
    expect(openMetricsProblems('# TYPE x gauge\nx 1\n# TYPE x gauge\nx 2\n')).toHaveLength(2);
    expect(promtoolCheckMetrics('# TYPE x_total gauge\nx_total 1\n').status).not.toBe(0);
  });

  describe('exemplars', () => {
    const contextManager = new AsyncLocalStorageContextManager();
    beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
    afterAll(() => {
      contextManager.disable();
      context.disable();
    });

    it('carry the trace_id of the active sampled span on the HTTP duration histogram', async () => {
      const metrics = createMetrics();
      const tracer = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('test');
      const traceId = tracer.startActiveSpan('GET /quizzes/:quizId', (span) => {
        metrics.recordHttpRequest('GET', '/quizzes/:quizId', 200, 0.03);
        span.end();
        return span.spanContext().traceId;
      });
      metrics.recordHttpRequest('GET', '/quizzes/:quizId', 200, 0.6); // no span: no exemplar
      served = await serve(createMetricsHandler(metrics.registry));

      const om = (await scrape(served.url, { accept: OPENMETRICS_ACCEPT })).body;
      const withExemplar = om.split('\n').filter((line) => line.includes(' # {'));
      expect(withExemplar).toHaveLength(1);
      expect(withExemplar[0]).toMatch(
        new RegExp(
          `^http_request_duration_seconds_bucket\\{.*le="0.05"\\} 1 # \\{trace_id="${traceId}",span_id="[0-9a-f]{16}"\\} 0.03 \\d+\\.\\d{3}$`,
        ),
      );
      expect(promtoolCheckOpenMetrics(om)).toEqual({ status: 0, output: '' });
      expect(openMetricsProblems(om)).toEqual([]);

      const text = (await scrape(served.url)).body;
      expect(text).not.toContain('trace_id');
      expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' });
    });

    it('are left out for spans that are not sampled', async () => {
      const metrics = createMetrics();
      const tracer = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('test');
      tracer.startActiveSpan('unsampled', (span) => {
        expect(trace.getActiveSpan()).toBe(span);
        metrics.recordHttpRequest('GET', '/a', 200, 0.03);
        span.end();
      });
      served = await serve(createMetricsHandler(metrics.registry));
      expect((await scrape(served.url, { accept: OPENMETRICS_ACCEPT })).body).not.toContain('trace_id');
    });
  });

  it('serves the other metrics when a collect callback fails, and reports the failure', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    new Gauge({
      name: 'queue_depth',
      help: 'Broken on purpose.',
      registers: [registry],
      collect() {
        throw new Error('queue unreachable');
      },
    });
    registerCounterSource(registry, {
      name: 'broken_source_total',
      help: 'Broken on purpose.',
      read: () => {
        throw new Error('audit store down');
      },
    });
    metrics.recordHttpRequest('GET', '/a', 200, 0.01);
    const reported: string[] = [];
    served = await serve(createMetricsHandler(registry, { onCollectError: (_e, name) => reported.push(name) }));

    const first = await scrape(served.url);
    expect(first.status).toBe(200);
    expect(first.body).not.toMatch(/^(# TYPE )?queue_depth/m);
    expect(first.body).toContain('http_requests_total{method="GET",route="/a",status_code="200"} 1');
    expect(first.body).toContain('metrics_collect_errors_total{metric="queue_depth"} 1');
    expect(first.body).toContain('metrics_collect_errors_total{metric="broken_source_total"} 1');
    expect(reported.sort()).toEqual(['broken_source_total', 'queue_depth']);
    expect(promtoolCheckMetrics(first.body)).toEqual({ status: 0, output: '' });

    const second = await scrape(served.url, { accept: OPENMETRICS_ACCEPT });
    expect(second.status).toBe(200);
    expect(second.body).toContain('metrics_collect_errors_total{metric="queue_depth"} 2');
    expect(promtoolCheckOpenMetrics(second.body)).toEqual({ status: 0, output: '' });
    expect(openMetricsProblems(second.body)).toEqual([]);
  });

  it('a throwing reporter does not fail the scrape', async () => {
    const registry = new Registry();
    new Gauge({ name: 'g', help: 'h', registers: [registry], collect: () => Promise.reject(new Error('x')) });
    served = await serve(
      createMetricsHandler(registry, {
        onCollectError: () => {
          throw new Error('reporter down');
        },
      }),
    );
    const { status, body } = await scrape(served.url);
    expect(status).toBe(200);
    expect(body).toContain('metrics_collect_errors_total{metric="g"} 1');
  });

  it('requires the bearer token when one is configured', async () => {
    const metrics = createMetrics();
    served = await serve(createMetricsHandler(metrics.registry, { bearerToken: 'scrape-token-for-tests' }));
    const none = await fetch(served.url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await scrape(served.url, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await scrape(served.url, { authorization: 'Bearer scrape-token-for-tests-and-more' })).status).toBe(401);
    const ok = await scrape(served.url, { authorization: 'Bearer scrape-token-for-tests' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('# TYPE http_requests_total counter');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const metrics = createMetrics();
    served = await serve(createMetricsHandler(metrics.registry));
    const head = await fetch(served.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(served.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
