import { request as httpRequest } from 'node:http';
import express from 'express';
import { createMetrics } from '../src';
import { createHttpMetricsMiddleware } from '../src/node-http';
import { samples } from './helpers/promtool';
import { type Served, serve } from './helpers/scrape';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const text = (metrics: ReturnType<typeof createMetrics>) => metrics.registry.metrics();

describe('createHttpMetricsMiddleware', () => {
  it('records plain node:http requests with the route from routeOf', async () => {
    const metrics = createMetrics();
    const middleware = createHttpMetricsMiddleware(metrics, {
      routeOf: (req) => (req.url?.startsWith('/quizzes/') ? '/quizzes/:quizId' : undefined),
      exclude: (req) => req.url === '/metrics',
    });
    served = await serve((req, res) => {
      middleware(req, res);
      res.statusCode = req.url?.startsWith('/quizzes/') ? 200 : 404;
      res.end();
    });
    for (const path of ['/quizzes/1', '/quizzes/2', '/random/1', '/random/2', '/metrics'])
      await fetch(served.url + path);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const body = await text(metrics);
    expect(samples(body, 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/quizzes/:quizId",status_code="200"} 2',
      'http_requests_total{method="GET",route="__unmatched__",status_code="404"} 2',
    ]);
    expect(metrics.http.inFlight).toBe(0);
  });

  it('takes the route template from Express, including router mount paths', async () => {
    const metrics = createMetrics();
    const app = express();
    app.use(createHttpMetricsMiddleware(metrics));
    const courses = express.Router();
    courses.get('/:courseId/credentials', (_req, res) => {
      res.status(201).json({ minted: true });
    });
    app.use('/courses', courses);
    app.get('/quizzes/:quizId', (req, res) => {
      res.json({ id: req.params.quizId });
    });
    served = await serve(app);
    await fetch(`${served.url}/quizzes/7`);
    await fetch(`${served.url}/courses/stellar-101/credentials`);
    for (let i = 0; i < 50; i++) await fetch(`${served.url}/scan/${i}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(samples(await text(metrics), 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/courses/:courseId/credentials",status_code="201"} 1',
      'http_requests_total{method="GET",route="/quizzes/:quizId",status_code="200"} 1',
      'http_requests_total{method="GET",route="__unmatched__",status_code="404"} 50',
    ]);
  });

  it('releases in-flight requests whose client went away, without recording them', async () => {
    const metrics = createMetrics();
    const middleware = createHttpMetricsMiddleware(metrics, { routeOf: () => '/slow' });
    let closed!: () => void;
    const closedPromise = new Promise<void>((resolve) => {
      closed = resolve;
    });
    served = await serve((req, res) => {
      middleware(req, res);
      res.on('close', () => setImmediate(closed));
    });
    const req = httpRequest(`${served.url}/slow`);
    req.on('error', () => {});
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(metrics.http.inFlight).toBe(1);
    req.destroy();
    await closedPromise;
    expect(metrics.http.inFlight).toBe(0);
    expect(samples(await text(metrics), 'http_requests_total')).toEqual([]);
  });
});
