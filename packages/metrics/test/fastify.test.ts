import { request as httpRequest, METHODS } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createMetrics, createMetricsHandler, KNOWN_HTTP_METHODS } from '../src';
import { metricsPlugin } from '../src/fastify';
import { promtoolCheckMetrics, samples } from './helpers/promtool';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(options: Partial<Parameters<typeof metricsPlugin>[1]> = {}, maxLabelValues?: number) {
  const metrics = createMetrics({ registry: new Registry(), maxLabelValues });
  const instance = Fastify();
  await instance.register(metricsPlugin, { metrics, ...options });
  instance.get('/quizzes/:quizId', async (request) => request.params);
  instance.post('/rewards/claim', async (_request, reply) => reply.code(202).send({ queued: true }));
  instance.get('/health', { config: { metrics: false } }, async () => 'ok');
  instance.get('/ready', async () => 'ok');
  instance.get('/boom', async () => {
    throw new Error('boom');
  });
  await instance.register(
    async (scoped) => {
      scoped.get('/courses/:courseId', async () => ({}));
    },
    { prefix: '/v1' },
  );
  app = instance;
  return { app: instance, metrics };
}

async function text(metrics: ReturnType<typeof createMetrics>): Promise<string> {
  return metrics.registry.metrics();
}

describe('metricsPlugin', () => {
  it('labels requests with the route template, never the raw URL', async () => {
    const { app, metrics } = await build();
    await app.inject('/quizzes/42');
    await app.inject('/quizzes/43?x=1');
    await app.inject({ method: 'POST', url: '/rewards/claim' });
    await app.inject('/v1/courses/stellar-101');
    await app.inject('/boom');
    const body = await text(metrics);
    expect(samples(body, 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/boom",status_code="500"} 1',
      'http_requests_total{method="GET",route="/quizzes/:quizId",status_code="200"} 2',
      'http_requests_total{method="GET",route="/v1/courses/:courseId",status_code="200"} 1',
      'http_requests_total{method="POST",route="/rewards/claim",status_code="202"} 1',
    ]);
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/quizzes/:quizId",status_code="200"} 2',
    );
    expect(body).toContain('http_requests_in_flight 0');
    expect(body).not.toContain('/quizzes/42');
  });

  it('leaves out routes with config.metrics false, excludeRoutes, and its own metrics endpoint', async () => {
    const { app } = await build({ excludeRoutes: ['/ready'], endpoint: '/metrics' });
    await app.inject('/health');
    await app.inject('/ready');
    await app.inject('/quizzes/1');
    const scrape = await app.inject('/metrics');
    expect(scrape.statusCode).toBe(200);
    expect(scrape.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = (await app.inject('/metrics')).body;
    expect(samples(body, 'http_requests_total')).toEqual([
      'http_requests_total{method="GET",route="/quizzes/:quizId",status_code="200"} 1',
    ]);
    expect(body).toContain('http_requests_in_flight 0');
    expect(promtoolCheckMetrics(body)).toEqual({ status: 0, output: '' });
  });

  it('records routes registered before the plugin and replies from hooks before and after it', async () => {
    const metrics = createMetrics();
    const instance = Fastify();
    instance.get('/early/:id', async () => 'ok');
    instance.addHook('onRequest', async (request, reply) => {
      if (request.url.startsWith('/blocked')) return reply.code(403).send({ error: 'forbidden' });
    });
    await instance.register(metricsPlugin, { metrics });
    instance.addHook('onRequest', async (request, reply) => {
      if (request.headers.authorization === undefined && request.url.startsWith('/private')) {
        return reply.code(401).send({ error: 'unauthorized' });
      }
    });
    instance.get('/private/:id', async () => 'secret');
    instance.get('/blocked/:id', async () => 'never');
    app = instance;
    await instance.inject('/early/1');
    expect((await instance.inject('/private/1')).statusCode).toBe(401);
    await instance.inject({ url: '/private/2', headers: { authorization: 'Bearer x' } });
    expect((await instance.inject('/blocked/1')).statusCode).toBe(403);
    expect(samples(await text(metrics), 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/blocked/:id",status_code="403"} 1',
      'http_requests_total{method="GET",route="/early/:id",status_code="200"} 1',
      'http_requests_total{method="GET",route="/private/:id",status_code="200"} 1',
      'http_requests_total{method="GET",route="/private/:id",status_code="401"} 1',
    ]);
    expect(metrics.http.inFlight).toBe(0);
  });

  it('records requests rejected before their handler under the route template', async () => {
    const { app, metrics } = await build();
    app.post('/answers/:quizId', { schema: { body: { type: 'object', required: ['answer'] } } }, async () => 'ok');
    expect((await app.inject({ method: 'POST', url: '/answers/7', payload: { wrong: 1 } })).statusCode).toBe(400);
    const unsupported = await app.inject({
      method: 'POST',
      url: '/answers/7',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    expect(unsupported.statusCode).toBe(415);
    expect(samples(await text(metrics), 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="POST",route="/answers/:quizId",status_code="400"} 1',
      'http_requests_total{method="POST",route="/answers/:quizId",status_code="415"} 1',
    ]);
    expect(metrics.http.inFlight).toBe(0);
  });

  it('accepts a predicate for excludeRoutes', async () => {
    const { app, metrics } = await build({
      excludeRoutes: (route, method) => route.startsWith('/v1') && method === 'GET',
    });
    await app.inject('/v1/courses/a');
    await app.inject('/quizzes/1');
    expect(samples(await text(metrics), 'http_requests_total')).toHaveLength(1);
  });

  it('protects its endpoint with the bearer token', async () => {
    const { app } = await build({ endpoint: '/metrics', bearerToken: 'token-for-tests' });
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    const ok = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer token-for-tests' } });
    expect(ok.statusCode).toBe(200);
  });

  it('keeps series bounded under 10,000 unmatched URLs and 10,000 invented methods', async () => {
    const metrics = createMetrics();
    const app = Fastify();
    await app.register(metricsPlugin, { metrics });
    app.get('/quizzes/:quizId', async (request) => request.params);
    await app.inject('/quizzes/1');
    const familiesBefore = (await metrics.registry.getMetricsAsJSON()).length;
    const batch = async (make: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 10_000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => make(i + j)));
    };
    await batch((i) => app.inject(`/no/such/page/${i}-${Math.random().toString(36).slice(2)}`));
    // light-my-request checks methods against node's list unless told not to. Fastify answers
    // methods it does not know with a 404 before any hook runs, so these add nothing.
    await batch(async (i) => {
      const response = await app.inject({
        method: `X${i.toString(36)}Q`,
        url: `/quizzes/${i}`,
        validate: false,
      } as never);
      expect(response.statusCode).toBe(404);
    });

    const body = await text(metrics);
    expect(samples(body, 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/quizzes/:quizId",status_code="200"} 1',
      'http_requests_total{method="GET",route="__unmatched__",status_code="404"} 10000',
    ]);
    // 2 label sets: 2 x (15 buckets + sum + count) + 2 counters + 1 in-flight gauge.
    const series = body.split('\n').filter((line) => line.startsWith('http_'));
    expect(series).toHaveLength(2 * 17 + 2 + 1);
    expect((await metrics.registry.getMetricsAsJSON()).length).toBe(familiesBefore);
    expect(body).toContain('http_requests_in_flight 0');
    expect(body).toContain('metrics_label_overflow_total');
    expect(samples(body, 'metrics_label_overflow_total')).toEqual([]);
    await app.close();
  }, 300_000); // Fastify's own 404 fallback for unknown methods costs 1-10 ms a request

  it('maps real but unknown HTTP methods sent over the wire to _OTHER', async () => {
    const metrics = createMetrics();
    const instance = Fastify();
    // Every method node's parser accepts that is outside the known set (PROPFIND, PURGE, ...).
    const dav = METHODS.filter((m) => !(KNOWN_HTTP_METHODS as readonly string[]).includes(m));
    for (const method of dav) if (!instance.supportedMethods.includes(method)) instance.addHttpMethod(method);
    await instance.register(metricsPlugin, { metrics });
    instance.route({ method: dav, url: '/dav/*', handler: async () => 'ok' });
    app = instance;
    await instance.listen({ port: 0, host: '127.0.0.1' });
    const { port } = instance.server.address() as { port: number };
    for (const method of dav) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path: `/dav/${method}` }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    }
    const lines = samples(await text(metrics), 'http_requests_total');
    expect(lines.every((line) => line.startsWith('http_requests_total{method="_OTHER",route="/dav/*",'))).toBe(true);
    expect(lines.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0)).toBe(dav.length);
  });

  it('ends in-flight requests whose client went away', async () => {
    const metrics = createMetrics();
    const instance = Fastify();
    await instance.register(metricsPlugin, { metrics });
    let handled!: () => void;
    const handledPromise = new Promise<void>((resolve) => {
      handled = resolve;
    });
    instance.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      handled();
      return 'late';
    });
    app = instance;
    await instance.listen({ port: 0, host: '127.0.0.1' });
    const { port } = instance.server.address() as { port: number };
    const req = httpRequest({ host: '127.0.0.1', port, path: '/slow' });
    req.on('error', () => {});
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(metrics.http.inFlight).toBe(1);
    req.destroy();
    await handledPromise;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(metrics.http.inFlight).toBe(0);
    // Not recorded: no response reached the client.
    expect(samples(await text(metrics), 'http_requests_total')).toEqual([]);
  });

  it('counts a request in flight from its handler on, once, even through HEAD routes and callNotFound', async () => {
    const metrics = createMetrics({ registry: new Registry() });
    const instance = Fastify();
    await instance.register(metricsPlugin, { metrics });
    const seen: number[] = [];
    instance.get('/courses/:courseId', async () => {
      seen.push(metrics.http.inFlight);
      return { title: 'Stellar 101' };
    });
    instance.get('/gone/:id', (_request, reply) => {
      seen.push(metrics.http.inFlight);
      reply.callNotFound();
    });
    instance.get('/plain', function plain(_request, reply) {
      // Non-async handlers keep `this` (the instance) and answer through reply.send.
      reply.send({ decorated: this.hasRequestDecorator('id') });
    });
    instance.addHook('onRequest', async (request, reply) => {
      if (request.url === '/courses/denied') return reply.code(401).send();
    });
    app = instance;
    expect((await instance.inject('/courses/a')).statusCode).toBe(200);
    expect((await instance.inject({ method: 'HEAD', url: '/courses/b' })).statusCode).toBe(200);
    expect((await instance.inject('/gone/1')).statusCode).toBe(404);
    expect((await instance.inject('/plain')).json()).toEqual({ decorated: true });
    expect((await instance.inject('/courses/denied')).statusCode).toBe(401);
    expect((await instance.inject('/nowhere')).statusCode).toBe(404);
    expect(seen).toEqual([1, 1, 1]);
    expect(metrics.http.inFlight).toBe(0);
    expect(samples(await text(metrics), 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/courses/:courseId",status_code="200"} 1',
      'http_requests_total{method="GET",route="/courses/:courseId",status_code="401"} 1',
      'http_requests_total{method="GET",route="/gone/:id",status_code="404"} 1',
      'http_requests_total{method="GET",route="/plain",status_code="200"} 1',
      'http_requests_total{method="GET",route="__unmatched__",status_code="404"} 1',
      'http_requests_total{method="HEAD",route="/courses/:courseId",status_code="200"} 1',
    ]);
  });

  it('collapses route templates past the budget into __overflow__ and counts it', async () => {
    const metrics = createMetrics({ maxLabelValues: 5 });
    const instance = Fastify();
    await instance.register(metricsPlugin, { metrics });
    for (let i = 0; i < 20; i++) instance.get(`/r${i}/:id`, async () => 'ok');
    app = instance;
    for (let i = 0; i < 20; i++) await instance.inject(`/r${i}/x`);
    const body = await text(metrics);
    const routes = new Set(samples(body, 'http_requests_total').map((line) => /route="([^"]*)"/.exec(line)?.[1]));
    expect(routes.size).toBe(6);
    expect(routes.has('__overflow__')).toBe(true);
    expect(body).toContain('http_requests_total{method="GET",route="__overflow__",status_code="200"} 15');
    expect(body).toContain('metrics_label_overflow_total{metric="http_request_duration_seconds",label="route"} 15');
  });

  it('serves the registry through createMetricsHandler mounted on a Fastify route', async () => {
    const { app, metrics } = await build();
    const handler = createMetricsHandler(metrics.registry);
    app.get('/custom-metrics', { config: { metrics: false } }, async (request, reply) => {
      reply.hijack();
      await handler(request.raw, reply.raw);
    });
    await app.inject('/quizzes/1');
    const response = await app.inject('/custom-metrics');
    expect(response.statusCode).toBe(200);
    expect(samples(response.body, 'http_requests_total')).toHaveLength(1);
  });
});
