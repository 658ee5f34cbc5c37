import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { clientErrorHandler } from './client-error';
import { clientErrorCode } from './errors';
import authRoutes from './modules/auth/routes';
import courseRoutes from './modules/courses/routes';
import credentialRoutes from './modules/credentials/routes';
import healthRoutes from './modules/health/routes';
import rewardRoutes from './modules/rewards/routes';
import submissionRoutes from './modules/submissions/routes';
import auditPlugin from './plugins/audit';
import auditSealerPlugin from './plugins/audit-sealer';
import authPlugin from './plugins/auth';
import configPlugin from './plugins/config';
import dbPlugin from './plugins/db';
import errorHandler from './plugins/error-handler';
import jobOutcomesPlugin from './plugins/job-outcomes';
import metricsPlugin from './plugins/metrics';
import onchainPlugin from './plugins/onchain';
import rateLimitPlugin from './plugins/rate-limit';
import redisPlugin from './plugins/redis';
import signalsPlugin from './plugins/signals';
import stellarRpcPlugin from './plugins/stellar-rpc';
import swaggerPlugin from './plugins/swagger';
import type { AppOptions } from './types';

/**
 * Fastify server options the service needs (body limit, `TRUST_PROXY`, ajv, the JSON envelope for
 * requests Node's parser refuses), merged into the caller's.
 */
export function serverOptions(options: AppOptions, extra: FastifyServerOptions = {}): FastifyServerOptions {
  return {
    bodyLimit: options.config.bodyLimitBytes,
    // Off by default: request.ip is the peer; behind a proxy, TRUST_PROXY says which X-Forwarded-For hops to believe.
    trustProxy: options.config.trustProxy,
    clientErrorHandler,
    // A URL Fastify cannot decode (FST_ERR_BAD_URL) never reaches the error handler: same envelope here.
    frameworkErrors: (error, _request, reply) => {
      const code = clientErrorCode(error);
      (reply as unknown as FastifyReply).status(400).send({ statusCode: 400, code, message: error.message });
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    ...extra,
  };
}

/**
 * The learn-to-earn service as a Fastify plugin: cross-cutting plugins first,
 * then one encapsulated module per domain. server.ts decides how it runs.
 */
export default async function app(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  // Every body this API takes is JSON: anything else is 415, not a string that fails validation.
  fastify.removeContentTypeParser('text/plain');
  await fastify.register(configPlugin, { config: options.config });
  await fastify.register(errorHandler);
  await fastify.register(dbPlugin, { pool: options.pool });
  await fastify.register(redisPlugin, { store: options.store });
  await fastify.register(auditPlugin, { audit: options.audit });
  await fastify.register(metricsPlugin, { metrics: options.metrics });
  await fastify.register(swaggerPlugin);
  await fastify.register(authPlugin);
  await fastify.register(rateLimitPlugin);
  // Before onchain: closed after it, so the last sealing pass covers the jobs' final events.
  await fastify.register(auditSealerPlugin);
  await fastify.register(stellarRpcPlugin, { url: options.stellar.rpcUrl });
  // Every RPC call of the jobs, the signals and /ready reports to the monitor (one outage message).
  const stellar = { ...options.stellar, gateway: fastify.stellarRpc.wrap(options.stellar.gateway) };
  await fastify.register(onchainPlugin, {
    stellar,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.reconciler === undefined ? {} : { reconciler: options.reconciler }),
  });
  await fastify.register(signalsPlugin, { stellar });
  await fastify.register(jobOutcomesPlugin);

  await fastify.register(healthRoutes);
  await fastify.register(authRoutes, { prefix: '/auth' });
  await fastify.register(courseRoutes);
  await fastify.register(submissionRoutes);
  await fastify.register(rewardRoutes);
  await fastify.register(credentialRoutes);
}
