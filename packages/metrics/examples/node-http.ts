// Plain node:http server: the route template comes from the server's own routing.
import { createServer } from 'node:http';
import { createMetrics, createMetricsHandler, getOrCreateCounter, timeAsync } from '../src';
import { createHttpMetricsMiddleware } from '../src/node-http';

const routes = [{ template: '/rewards/:claimId', pattern: /^\/rewards\/[^/]+$/ }];

export function build() {
  const metrics = createMetrics();
  // The service's own domain metric, on the same registry.
  const payouts = getOrCreateCounter<'status'>(metrics.registry, {
    name: 'payouts_total',
    help: 'Payouts, by status.',
    labelNames: ['status'],
  });
  const serveMetrics = createMetricsHandler(metrics.registry);
  const middleware = createHttpMetricsMiddleware(metrics, {
    routeOf: (req) => routes.find((route) => route.pattern.test(req.url ?? ''))?.template,
    exclude: (req) => req.url === '/metrics',
  });
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void serveMetrics(req, res);
      return;
    }
    middleware(req, res);
    if (!routes.some((route) => route.pattern.test(req.url ?? ''))) {
      res.statusCode = 404;
      res.end();
      return;
    }
    void timeAsync(metrics.stellarTransactionDuration, { method: 'payment' }, async () => 'tx-hash').then(() => {
      payouts.inc({ status: 'paid' });
      res.end('claimed');
    });
  });
  return { server, metrics };
}
