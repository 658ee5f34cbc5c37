import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth';
import { credentialJobKind } from './job';
import { getCredentialSchema, mintSchema } from './schemas';
import { createCredentialService, credentialView } from './service';

/** POST /credentials and GET /credentials/:credentialId (signed in, own credentials only). */
const credentialRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const service = createCredentialService({
    pool: fastify.pg,
    audit: fastify.audit,
    jobs: fastify.onchain.register(
      credentialJobKind(fastify.stellar, fastify.metrics, { timeoutSeconds: fastify.config.txTimeoutSeconds }),
    ),
    waitMs: fastify.config.claimWaitMs,
    auditSecurity: fastify.auditSecurity,
  });
  fastify.post('/credentials', { schema: mintSchema, onRequest: fastify.authenticate }, async (request, reply) => {
    const { row, created } = await service.mint(callerOf(request), request.body.courseId);
    return reply.status(created ? 201 : 200).send(credentialView(row));
  });
  fastify.get(
    '/credentials/:credentialId',
    { schema: getCredentialSchema, onRequest: fastify.authenticate },
    async (request) => credentialView(await service.get(callerOf(request), request.params.credentialId)),
  );
};

export default credentialRoutes;
