import { randomBytes } from 'node:crypto';
import { withSpan } from '@app/tracing';
import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { requestContext } from '../audit-port';
import { createTokenFailureRecorder } from '../auth-failures';
import { ERR_UNAUTHORIZED } from '../errors';
import { SPAN } from '../names';
import { currentTraceId } from '../trace';

/** What a signed-in caller's token carries. */
export interface SessionUser {
  sub: string;
  addr: string;
}

/** The signed-in caller of a request, as the services see it (no Fastify types). */
export interface Caller {
  userId: string;
  /** The caller's Stellar account (G…), where rewards and credentials go. */
  address: string;
  ip: string;
  /** The request's User-Agent (kept with the job for the events written later). */
  userAgent: string | null;
  /** The request's trace id, stored on the rows it creates; null without tracing. */
  traceId: string | null;
}

/** The caller of an authenticated request (after `fastify.authenticate`). */
export function callerOf(request: FastifyRequest): Caller {
  return {
    userId: request.user.sub,
    address: request.user.addr,
    ...requestContext(request),
    traceId: currentTraceId(),
  };
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: SessionUser;
    user: SessionUser;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: 401 unless the request carries a valid bearer JWT (before the body is read or validated). */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

/** JWT sessions (@fastify/jwt) and the `authenticate` onRequest hook. */
export default fp(
  async (fastify) => {
    const secret = fastify.config.jwtSecret ?? randomBytes(32).toString('hex');
    if (!fastify.config.jwtSecret) fastify.log.warn('JWT_SECRET is not set: using a random per-process secret');
    await fastify.register(fastifyJwt, { secret, sign: { expiresIn: fastify.config.jwtExpiresIn } });
    // Refused tokens: counted (auth_attempts_total) and audited (authn_token_invalid, bounded).
    const recordFailure = createTokenFailureRecorder(fastify);
    fastify.decorate('authenticate', (request: FastifyRequest) =>
      withSpan(SPAN.jwtVerify, {}, async () => {
        try {
          await request.jwtVerify();
        } catch (error) {
          recordFailure(request, error);
          throw ERR_UNAUTHORIZED('a valid bearer token is required');
        }
      }),
    );
  },
  { name: 'auth', dependencies: ['config', 'audit', 'metrics'] },
);
