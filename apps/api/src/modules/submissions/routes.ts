import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth';
import { submitSchema } from './schemas';
import { createSubmissionService } from './service';

/** POST /quizzes/:quizId/submissions (signed in). */
const submissionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const service = createSubmissionService({ pool: fastify.pg, audit: fastify.audit, metrics: fastify.metrics });
  const { config } = fastify;
  fastify.post(
    '/quizzes/:quizId/submissions',
    {
      schema: submitSchema,
      onRequest: fastify.authenticate,
      config: fastify.learnerRateLimit(
        'quiz_submission',
        config.submissionRateLimitMax,
        config.submissionRateLimitWindowSeconds,
      ),
    },
    async (request, reply) => {
      const result = await service.submit(callerOf(request), request.params.quizId, request.body.answers);
      return reply.status(201).send(result);
    },
  );
};

export default submissionRoutes;
