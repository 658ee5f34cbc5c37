import fp from 'fastify-plugin';
import type { ServiceMetrics } from '../service-metrics';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

/** Business metrics as `fastify.metrics`, plus the live pool and Redis gauges. */
export default fp<{ metrics: ServiceMetrics }>(
  async (fastify, { metrics }) => {
    metrics.observe(fastify.pg, fastify.store);
    fastify.decorate('metrics', metrics);
  },
  { name: 'metrics', dependencies: ['db', 'redis'] },
);
