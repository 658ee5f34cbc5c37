import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { requestContext } from '../audit-port';
import { AUDIT } from '../names';

/**
 * Rate limits, opted into per route (`config.rateLimit`): the auth routes use
 * them. Counters live in Redis so every instance shares them; when Redis is
 * down the limiter lets requests through and the auth routes answer 503 anyway.
 */
export default fp(
  async (fastify) => {
    const audited = new Map<string, number>();
    await fastify.register(rateLimit, {
      global: false,
      max: fastify.config.authRateLimitMax,
      timeWindow: '1 minute',
      nameSpace: 'rate-limit:',
      skipOnError: true,
      ...(fastify.store.redis ? { redis: fastify.store.redis } : {}),
      onExceeded: (request) => {
        // One audit row per client and route per window: a flood must not become a flood of writes.
        const key = `${request.ip} ${request.routeOptions.url}`;
        const now = Date.now();
        if ((audited.get(key) ?? 0) > now) return;
        if (audited.size > 10_000) audited.clear();
        audited.set(key, now + 60_000);
        void fastify.auditSecurity({
          event: AUDIT.rateLimitHit,
          result: 'failure',
          resource: 'route',
          resourceId: request.routeOptions.url ?? null,
          action: 'request',
          reason: 'rate_limited',
          ...requestContext(request),
        });
      },
      errorResponseBuilder: (_request, context) => ({
        statusCode: context.statusCode,
        code: 'API_ERR_RATE_LIMITED',
        error: 'Too Many Requests',
        message: `rate limit exceeded: retry in ${context.after}`,
      }),
    });
  },
  { name: 'rate-limit', dependencies: ['config', 'redis', 'audit'] },
);
