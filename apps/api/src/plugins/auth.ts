import { randomBytes } from 'node:crypto';
import { withSpan } from '@app/tracing';
import fastifyJwt from '@fastify/jwt';
import { StrKey } from '@stellar/stellar-sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Pool } from 'pg';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { requestContext } from '../audit-port';
import { createTokenFailureRecorder, TOKEN_FAILURE } from '../auth-failures';
import { ERR_UNAUTHORIZED } from '../errors';
import { SPAN } from '../names';
import { stellarAccountId, uuid } from '../schemas';
import { currentTraceId } from '../trace';

const isAccountId = (address: string) => StrKey.isValidEd25519PublicKey(address);

/** True when the user exists with this Stellar account (one primary-key lookup). */
async function userExists(pool: Pool, userId: string, address: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM users WHERE id = $1 AND stellar_address = $2', [
    userId,
    address,
  ]);
  return (rowCount ?? 0) > 0;
}

/** What a signed-in caller's token carries: `sub` the user id, `addr` that user's Stellar account. */
const sessionClaims = Type.Object({ sub: uuid, addr: stellarAccountId });
export type SessionUser = Static<typeof sessionClaims>;
/** Checks a verified token's claims against `sessionClaims` (TypeBox's compiled checker). */
const validClaims = Compile(sessionClaims);

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
    /**
     * onRequest hook: 401 `API_ERR_UNAUTHORIZED` unless the request carries a valid bearer JWT (scheme
     * case-insensitive) whose `sub` is a known user id and `addr` that user's account; before the body is read.
     */
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
        // A token we signed is still only as good as its claims: a subject that is not a user id
        // (or an unknown one, e.g. signed before a database reset) is a 401, never a 500 further on.
        const claims: unknown = request.user;
        if (!validClaims.Check(claims) || !isAccountId(claims.addr)) {
          recordFailure(request, null, TOKEN_FAILURE.subjectMalformed);
          throw ERR_UNAUTHORIZED('the token does not name a user; sign in again');
        }
        if (!(await userExists(fastify.pg, claims.sub, claims.addr))) {
          recordFailure(request, null, TOKEN_FAILURE.subjectUnknown);
          throw ERR_UNAUTHORIZED('the token names an unknown user; sign in again');
        }
      }),
    );
  },
  { name: 'auth', dependencies: ['config', 'db', 'audit', 'metrics'] },
);
