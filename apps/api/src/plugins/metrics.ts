import cluster from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createMetricsHandler } from '@app/metrics';
import { metricsPlugin } from '@app/metrics/fastify';
import fp from 'fastify-plugin';
import { mergedMetricsFromPrimary } from '../cluster-metrics';
import { ERR_METRICS_UNAVAILABLE, ERR_UNAUTHORIZED } from '../errors';
import type { ServiceMetrics } from '../service-metrics';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: <Bearer, any case> <token>` carrying exactly `token` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

/**
 * HTTP metrics for every route (@app/metrics), business metrics as
 * `fastify.metrics`, live pool and Redis gauges. /metrics is served by the
 * internal listener (server.ts); on this public one only with METRICS_TOKEN (in a cluster worker:
 * the primary's merged page, asked over IPC; 503 `API_ERR_METRICS_UNAVAILABLE` if it cannot answer).
 */
export default fp<{ metrics: ServiceMetrics }>(
  async (fastify, { metrics }) => {
    const token = fastify.config.metricsToken;
    if (fastify.config.httpMetrics) {
      await fastify.register(metricsPlugin, {
        metrics: metrics.app,
        excludeRoutes: (route) => route.startsWith('/docs'),
      });
    }
    if (token) {
      // Our own route rather than the library's token check: the scheme is case-insensitive and a
      // refusal is the service's JSON error envelope like every other 401.
      const handler = createMetricsHandler(metrics.registry);
      fastify.get(
        '/metrics',
        {
          config: { metrics: false },
          schema: { hide: true },
          onRequest: async (request) => {
            if (!bearerMatches(request.headers.authorization, token)) {
              throw ERR_UNAUTHORIZED('/metrics needs Authorization: Bearer <METRICS_TOKEN>');
            }
          },
        },
        async (request, reply) => {
          if (cluster.isWorker) {
            // Under the cluster entry: the primary's merged page, never this worker's share of it
            // (src/cluster-metrics.ts).
            const text = await mergedMetricsFromPrimary().catch((error: unknown) => {
              request.log.warn({ err: error }, 'cluster metrics unavailable');
              throw ERR_METRICS_UNAVAILABLE();
            });
            return reply
              .header('content-type', metrics.registry.contentType)
              .header('cache-control', 'no-store')
              .send(text);
          }
          reply.hijack();
          await handler(request.raw, reply.raw);
        },
      );
    }
    const stop = metrics.observe(fastify.pg, fastify.store);
    fastify.addHook('onClose', async () => stop());
    fastify.decorate('metrics', metrics);
  },
  { name: 'metrics', dependencies: ['config', 'db', 'redis'] },
);
