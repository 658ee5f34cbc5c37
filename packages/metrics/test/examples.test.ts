import type { AddressInfo } from 'node:net';
import { build as buildExpress } from '../examples/express';
import { start as startFastify } from '../examples/fastify';
import { build as buildNodeHttp } from '../examples/node-http';
import { promtoolCheckMetrics, samples } from './helpers/promtool';
import { serve } from './helpers/scrape';

describe('examples', () => {
  it('fastify: records routes and serves /metrics on its own listener', async () => {
    const { app, scrape, metrics } = await startFastify(0, 0);
    try {
      const { port } = app.server.address() as AddressInfo;
      await fetch(`http://127.0.0.1:${port}/quizzes/3`);
      await fetch(`http://127.0.0.1:${port}/health`);
      const body = await (await fetch(`http://127.0.0.1:${(scrape.address() as AddressInfo).port}/`)).text();
      expect(samples(body, 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/quizzes/:quizId",status_code="200",service="learn-api"} 1',
      ]);
      expect(promtoolCheckMetrics(body)).toEqual({ status: 0, output: '' });
      expect(metrics.http.inFlight).toBe(0);
    } finally {
      await app.close();
      scrape.close();
    }
  });

  it('express: protected /metrics, routes recorded', async () => {
    const { app } = buildExpress('example-token');
    const served = await serve(app);
    try {
      await fetch(`${served.url}/quizzes/9`);
      expect((await fetch(`${served.url}/metrics`)).status).toBe(401);
      const body = await (
        await fetch(`${served.url}/metrics`, { headers: { authorization: 'Bearer example-token' } })
      ).text();
      expect(samples(body, 'http_requests_total')).toEqual([
        'http_requests_total{method="GET",route="/quizzes/:quizId",status_code="200"} 1',
      ]);
    } finally {
      await served.close();
    }
  });

  it('node:http: routes from its own table, business metrics alongside', async () => {
    const { server, metrics } = buildNodeHttp();
    const served = await serve((req, res) => server.emit('request', req, res));
    try {
      await fetch(`${served.url}/rewards/abc`);
      await fetch(`${served.url}/nope`);
      const body = await (await fetch(`${served.url}/metrics`)).text();
      expect(samples(body, 'http_requests_total').sort()).toEqual([
        'http_requests_total{method="GET",route="/rewards/:claimId",status_code="200"} 1',
        'http_requests_total{method="GET",route="__unmatched__",status_code="404"} 1',
      ]);
      expect(body).toContain('payouts_total{status="paid"} 1');
      expect(metrics.http.inFlight).toBe(0);
    } finally {
      await served.close();
    }
  });
});
