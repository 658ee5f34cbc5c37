// Express service with HTTP metrics and a bearer-protected /metrics route.
import express from 'express';
import { createMetrics, createMetricsHandler } from '../src';
import { createHttpMetricsMiddleware } from '../src/node-http';

export function build(token: string): { app: express.Express; metrics: ReturnType<typeof createMetrics> } {
  const metrics = createMetrics();
  const serveMetrics = createMetricsHandler(metrics.registry, { bearerToken: token });
  const app = express();
  app.use(createHttpMetricsMiddleware(metrics, { exclude: (req) => req.url === '/metrics' }));
  app.get('/metrics', (req, res) => {
    void serveMetrics(req, res);
  });
  app.get('/quizzes/:quizId', (req, res) => {
    res.json({ quizId: req.params.quizId });
  });
  return { app, metrics };
}
