import { securityEvents } from '@app/audit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientIp, requestContext } from './audit-port';

/**
 * Why a protected route refused a request's token: the bounded `reason` of
 * `auth_attempts_total{result="failure"}` and of the `authn_token_invalid` audit event. All start
 * with `token_`, apart from the sign-in reasons (`invalid_signature` there is a wallet's SEP-53 signature).
 */
export const TOKEN_FAILURE = {
  /** No Authorization header at all. */
  missing: 'token_missing',
  /** A header that is not `Bearer <three base64url parts>`, or a token that does not decode. */
  malformed: 'token_malformed',
  expired: 'token_expired',
  /** Signed with another key. */
  badSignature: 'token_bad_signature',
  /** `alg: none` (no signature). */
  unsigned: 'token_unsigned',
  /** Signed with an algorithm the service does not accept. */
  badAlgorithm: 'token_bad_algorithm',
  /** A well-signed token whose `sub` is not a user id (missing, not a UUID, a number) or whose `addr` is no account. */
  subjectMalformed: 'token_subject_malformed',
  /** A well-signed token for a user the database does not know (signed before a reset, or the user is gone). */
  subjectUnknown: 'token_subject_unknown',
  /** Anything else the verifier refused (claims such as nbf). */
  invalid: 'token_invalid',
} as const;

export type TokenFailureReason = (typeof TOKEN_FAILURE)[keyof typeof TOKEN_FAILURE];

/** Maps a `request.jwtVerify()` rejection (@fastify/jwt / fast-jwt) to a bounded reason. */
export function tokenFailureReason(request: FastifyRequest, error: unknown): TokenFailureReason {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') return TOKEN_FAILURE.missing;
  const code = (error as { code?: unknown })?.code;
  const message = String((error as { message?: unknown })?.message ?? '').toLowerCase();
  if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED' || code === 'FAST_JWT_EXPIRED') return TOKEN_FAILURE.expired;
  if (code === 'FAST_JWT_MISSING_SIGNATURE' || message.includes('unsigned')) return TOKEN_FAILURE.unsigned;
  if (message.includes('signature is invalid')) return TOKEN_FAILURE.badSignature;
  if (message.includes('algorithm')) return TOKEN_FAILURE.badAlgorithm;
  if (
    code === 'FST_JWT_NO_AUTHORIZATION_IN_HEADER' ||
    code === 'FST_JWT_BAD_REQUEST' ||
    message.includes('malformed')
  ) {
    return TOKEN_FAILURE.malformed;
  }
  return TOKEN_FAILURE.invalid;
}

/** Audit rows for refused tokens: at most one per client, reason and minute on this instance. */
const WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

/**
 * Counts every refused token in `auth_attempts_total{result="failure",reason}` and audits it as
 * `authn_token_invalid` — bounded like the rate-limit events (one row per client IP, reason and
 * minute, with `metadata.window`), so a flood of bad tokens cannot become a flood of writes. Never
 * fails the request; the token itself is never recorded.
 */
export function createTokenFailureRecorder(fastify: FastifyInstance) {
  const audited = new Map<string, number>();
  return (
    request: FastifyRequest,
    error: unknown,
    reason: TokenFailureReason = tokenFailureReason(request, error),
  ): TokenFailureReason => {
    fastify.metrics.authAttempt('failure', reason);
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const key = `${clientIp(request)} ${reason}`;
    if (audited.get(key) === window) return reason;
    if (audited.size >= MAX_KEYS) audited.clear();
    audited.set(key, window);
    void fastify.auditSecurity(
      securityEvents.authnTokenInvalid({
        ...requestContext(request),
        reason,
        resource: 'route',
        resourceId: request.routeOptions.url ?? null,
        metadata: { window: new Date(window * WINDOW_MS).toISOString(), method: request.method },
      }),
    );
    return reason;
  };
}
