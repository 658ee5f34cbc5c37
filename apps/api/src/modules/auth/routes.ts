import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestContext } from '../../audit-port';
import { challengeSchema, verifySchema } from './schemas';
import { createAuthService } from './service';

/** POST /auth/challenge and POST /auth/verify, rate limited per IP. */
const authRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const service = createAuthService({
    pool: fastify.pg,
    store: fastify.store,
    audit: fastify.audit,
    metrics: fastify.metrics,
    challengeTtlSeconds: fastify.config.challengeTtlSeconds,
    domain: 'learn-to-earn',
    auditSecurity: fastify.auditSecurity,
  });
  const limited = fastify.ipRateLimit('auth', fastify.config.authRateLimitMax, 60);

  fastify.post('/challenge', { schema: challengeSchema, config: limited }, async (request) =>
    service.challenge(request.body.stellarAddress),
  );

  fastify.post('/verify', { schema: verifySchema, config: limited }, async (request) => {
    const userId = await service.verify({ ...request.body, ...requestContext(request) });
    const token = await fastify.jwt.sign({ sub: userId, addr: request.body.stellarAddress });
    return { token, expiresIn: fastify.config.jwtExpiresIn };
  });
};

export default authRoutes;
