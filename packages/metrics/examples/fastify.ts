// Fastify service with HTTP metrics, and /metrics on a separate listener (as apps/api does).
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { createMetrics, createMetricsHandler } from '../src';
import { metricsPlugin } from '../src/fastify';

export async function start(port = 3000, metricsPort = 9464) {
  const metrics = createMetrics({ defaultLabels: { service: 'learn-api' }, collectDefaultMetrics: true });
  const app = Fastify();
  await app.register(metricsPlugin, { metrics, excludeRoutes: ['/health'] });
  app.get('/health', async () => 'ok');
  app.get('/quizzes/:quizId', async (request) => ({ quizId: (request.params as { quizId: string }).quizId }));
  await app.listen({ port, host: '127.0.0.1' });
  const scrape = createServer(createMetricsHandler(metrics.registry));
  await new Promise<void>((resolve) => scrape.listen(metricsPort, '127.0.0.1', resolve));
  return { app, scrape, metrics };
}
