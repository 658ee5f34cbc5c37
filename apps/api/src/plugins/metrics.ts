import { metricsPlugin } from '@app/metrics/fastify';
import fp from 'fastify-plugin';
import type { ServiceMetrics } from '../service-metrics';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

/**
 * HTTP metrics for every route (@app/metrics), business metrics as
 * `fastify.metrics`, live pool and Redis gauges. /metrics is served by the
 * internal listener (server.ts); on this public one only with METRICS_TOKEN.
 */
export default fp<{ metrics: ServiceMetrics }>(
  async (fastify, { metrics }) => {
    const token = fastify.config.metricsToken;
    if (fastify.config.httpMetrics) {
      await fastify.register(metricsPlugin, {
        metrics: metrics.app,
        excludeRoutes: (route) => route.startsWith('/docs'),
        ...(token ? { endpoint: '/metrics', bearerToken: token } : {}),
      });
    }
    const stop = metrics.observe(fastify.pg, fastify.store);
    fastify.addHook('onClose', async () => stop());
    fastify.decorate('metrics', metrics);
  },
  { name: 'metrics', dependencies: ['config', 'db', 'redis'] },
);
