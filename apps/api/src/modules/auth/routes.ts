import type { FastifyPluginAsync } from 'fastify';
import { requestContext } from '../../audit-port';
import { challengeSchema, verifySchema } from './schemas';
import { createAuthService } from './service';

/** POST /auth/challenge and POST /auth/verify, rate limited per IP. */
const authRoutes: FastifyPluginAsync = async (fastify) => {
  const service = createAuthService({
    pool: fastify.pg,
    store: fastify.store,
    audit: fastify.audit,
    metrics: fastify.metrics,
    challengeTtlSeconds: fastify.config.challengeTtlSeconds,
    domain: 'learn-to-earn',
    auditSecurity: fastify.auditSecurity,
  });
  const rateLimit = { max: fastify.config.authRateLimitMax, timeWindow: '1 minute' };

  fastify.post<{ Body: { stellarAddress: string } }>(
    '/challenge',
    { schema: challengeSchema, config: { rateLimit } },
    async (request) => service.challenge(request.body.stellarAddress),
  );

  fastify.post<{ Body: { stellarAddress: string; challenge: string; signature: string } }>(
    '/verify',
    { schema: verifySchema, config: { rateLimit } },
    async (request) => {
      const userId = await service.verify({ ...request.body, ...requestContext(request) });
      const token = await fastify.jwt.sign({ sub: userId, addr: request.body.stellarAddress });
      return { token, expiresIn: fastify.config.jwtExpiresIn };
    },
  );
};

export default authRoutes;
