import { securityEvents } from '@app/audit';
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { clientIp } from '../audit-port';
import type { RateLimitName } from '../names';
import { fallbackStore } from './rate-limit-store';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which limit a rate-limited route counts against (metric label and audit metadata). */
    limitName?: RateLimitName;
  }
  interface FastifyInstance {
    /** Route config of a per-learner limit (after `authenticate`: keyed by the token's subject). */
    learnerRateLimit(name: RateLimitName, max: number, windowSeconds: number): RouteRateLimit;
    /** Route config of a per-client-address limit (sign-in routes). */
    ipRateLimit(name: RateLimitName, max: number, windowSeconds: number): RouteRateLimit;
  }
}

/** What a route puts in its `config` to be limited. */
export interface RouteRateLimit {
  limitName: RateLimitName;
  rateLimit: RateLimitOptions;
}

/**
 * Rate limits, opted into per route: per client address on sign-in, per
 * learner on quiz submissions and reward claims. Counters live in Redis so
 * every instance shares them; with Redis down (or the embedded in-process
 * store) each instance counts in memory. A refusal is a 429
 * `API_ERR_RATE_LIMITED` with `Retry-After`, counted in
 * `rate_limit_exceeded_total{limit}` and audited (`excess_rate_limit_exceeded`,
 * once per client, route and minute).
 */
export default fp(
  async (fastify) => {
    const audited = new Map<string, number>();
    const redis = fastify.store.redis;
    const nameSpace = 'rate-limit:';
    await fastify.register(rateLimit, {
      global: false,
      nameSpace,
      skipOnError: true,
      ...(redis
        ? {
            store: fallbackStore(redis, nameSpace, (active) =>
              active
                ? fastify.log.warn('rate limits: Redis unavailable, counting in this process until it is back')
                : fastify.log.info('rate limits: Redis is back, counters shared again'),
            ),
          }
        : {}),
      onExceeded: (request) => {
        const limit = request.routeOptions.config.limitName ?? 'auth';
        fastify.metrics.rateLimited(limit);
        const who = request.user?.sub ?? clientIp(request);
        // One audit row per client and route per minute: a flood must not become a flood of writes.
        const key = `${who} ${request.routeOptions.url}`;
        const now = Date.now();
        if ((audited.get(key) ?? 0) > now) return;
        if (audited.size > 10_000) audited.clear();
        audited.set(key, now + 60_000);
        const agent = request.headers['user-agent'];
        void fastify.auditSecurity({
          ...securityEvents.rateLimitExceeded({
            userId: request.user?.sub ?? null,
            stellarAddress: request.user?.addr ?? null,
            ip: clientIp(request),
            userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null,
            resource: 'route',
            limit,
          }),
          resourceId: request.routeOptions.url ?? null,
        });
      },
      errorResponseBuilder: (_request, context) => ({
        statusCode: context.statusCode,
        code: 'API_ERR_RATE_LIMITED',
        message: `rate limit exceeded: retry in ${context.after}`,
      }),
    });
    const limit =
      (keyed: boolean) =>
      (name: RateLimitName, max: number, windowSeconds: number): RouteRateLimit => ({
        limitName: name,
        rateLimit: {
          max,
          timeWindow: windowSeconds * 1000,
          ...(keyed
            ? {
                // After authentication and validation, so the key is the learner, not the address.
                hook: 'preHandler' as const,
                keyGenerator: (request: FastifyRequest) => `learner:${request.user.sub}`,
              }
            : // The client address as recorded (a forwarded non-address counts as the peer).
              { keyGenerator: (request: FastifyRequest) => clientIp(request) }),
        },
      });
    fastify.decorate('learnerRateLimit', limit(true));
    fastify.decorate('ipRateLimit', limit(false));
  },
  { name: 'rate-limit', dependencies: ['config', 'redis', 'audit', 'metrics'] },
);
