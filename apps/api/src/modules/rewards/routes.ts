import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth';
import { rewardJobKind } from './job';
import { createClaimSchema, getClaimSchema } from './schemas';
import { claimView, createRewardService } from './service';

/** POST /rewards/claims and GET /rewards/claims/:claimId (signed in, own claims only). */
const rewardRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const service = createRewardService({
    pool: fastify.pg,
    audit: fastify.audit,
    jobs: fastify.onchain.register(
      rewardJobKind(fastify.stellar, fastify.metrics, {
        timeoutSeconds: fastify.config.txTimeoutSeconds,
        maxOperations: fastify.config.batchMaxOperations,
      }),
    ),
    waitMs: fastify.config.claimWaitMs,
    auditSecurity: fastify.auditSecurity,
    onRejected: (reason) => fastify.metrics.claimRejected(reason),
  });
  const { config } = fastify;
  fastify.post(
    '/rewards/claims',
    {
      schema: createClaimSchema,
      onRequest: fastify.authenticate,
      config: fastify.learnerRateLimit('reward_claim', config.claimRateLimitMax, config.claimRateLimitWindowSeconds),
    },
    async (request, reply) => {
      const { row, created } = await service.claim(callerOf(request), request.body.submissionId);
      return reply.status(created ? 201 : 200).send(claimView(row));
    },
  );
  fastify.get(
    '/rewards/claims/:claimId',
    { schema: getClaimSchema, onRequest: fastify.authenticate },
    async (request) => claimView(await service.get(callerOf(request), request.params.claimId)),
  );
};

export default rewardRoutes;
