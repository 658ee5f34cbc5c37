import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Gauge } from 'prom-client';
import { createMetrics, createMetricsHandler } from '../src';
import { openMetricsProblems } from './helpers/openmetrics-rules';
import { promtoolCheckMetrics, promtoolCheckOpenMetrics } from './helpers/promtool';
import { OPENMETRICS_ACCEPT, type Served, serve } from './helpers/scrape';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  contextManager.disable();
  context.disable();
});

const ROUTES = 1_060; // × 2 status codes × (17 histogram + 1 counter lines) = 38,160 sample lines

/** A registry of more than 38,000 sample lines, some with exemplars and awkward label values. */
function large() {
  const metrics = createMetrics({ maxLabelValues: ROUTES + 10, defaultLabels: { service: 'learn "api"\\x' } });
  const tracer = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('test');
  for (let r = 0; r < ROUTES; r++) {
    const route = r % 97 === 0 ? `/odd\n"${r}"\\/:id` : `/api/v1/resource${r}/:id`;
    metrics.recordHttpRequest('GET', route, 200, 0.004 * (r % 7));
    if (r % 50 === 0) {
      tracer.startActiveSpan('traced', (span) => {
        metrics.recordHttpRequest('GET', route, 503, 0.3);
        span.end();
      });
    } else {
      metrics.recordHttpRequest('GET', route, 503, 2.5);
    }
  }
  new Gauge({ name: 'queue_depth', help: 'A plain gauge.', registers: [metrics.registry] }).set(7);
  return metrics;
}

const sampleLines = (body: string) => body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('a scrape of more than 38,000 sample lines', () => {
  it('is valid text for promtool, and the event loop keeps turning while it is written', async () => {
    const metrics = large();
    served = await serve(createMetricsHandler(metrics.registry));
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const response = await fetch(served.url);
    const body = await response.text();
    ticking = false;
    expect(response.status).toBe(200);
    expect(sampleLines(body).length).toBeGreaterThanOrEqual(38_000);
    expect(body).toContain('queue_depth{service="learn \\"api\\"\\\\x"} 7');
    expect(body).toContain('route="/odd\\n\\"97\\"\\\\/:id"');
    expect(promtoolCheckMetrics(body)).toEqual({ status: 0, output: '' });
    // Rendering yields between slices, so the ticker ran many times during one scrape.
    expect(ticks).toBeGreaterThan(3);
  });

  it('is valid OpenMetrics for the Prometheus parser, exemplars included', async () => {
    const metrics = large();
    served = await serve(createMetricsHandler(metrics.registry));
    const response = await fetch(served.url, { headers: { accept: OPENMETRICS_ACCEPT } });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(sampleLines(body).length).toBeGreaterThanOrEqual(38_000);
    expect(body.endsWith('# EOF\n')).toBe(true);
    const exemplars = body.split('\n').filter((line) => line.includes(' # {trace_id="'));
    expect(exemplars).toHaveLength(Math.ceil(ROUTES / 50));
    expect(promtoolCheckOpenMetrics(body)).toEqual({ status: 0, output: '' });
    expect(openMetricsProblems(body)).toEqual([]);
  });

  it('serves the same series on every scrape, with values that moved in between', async () => {
    const metrics = large();
    served = await serve(createMetricsHandler(metrics.registry));
    const first = sampleLines(await (await fetch(served.url)).text());
    metrics.recordHttpRequest('GET', '/api/v1/resource1/:id', 200, 0.001);
    const second = sampleLines(await (await fetch(served.url)).text());
    expect(second).toHaveLength(first.length);
    const count = (lines: string[]) =>
      lines.find((l) =>
        l.startsWith('http_requests_total{method="GET",route="/api/v1/resource1/:id",status_code="200"'),
      );
    expect(count(first)).toMatch(/ 1$/);
    expect(count(second)).toMatch(/ 2$/);
  });
});
