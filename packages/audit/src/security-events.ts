import { AUDIT_EVENTS } from './names';
import type { AuditEventInput, AuditMetadata } from './types';

/** Who and where, common to every security event. */
export interface SecurityContext {
  userId?: string | null;
  stellarAddress?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  metadata?: AuditMetadata;
}

export interface FailureContext extends SecurityContext {
  /** Short code, e.g. `invalid_signature`, `challenge_expired`. */
  reason: string;
}

export interface AuthzFailContext extends SecurityContext {
  /** What was refused, e.g. `submission`. */
  resource: string;
  resourceId?: string | null;
  reason?: string;
}

export interface RateLimitContext extends SecurityContext {
  /** The limit that was hit, e.g. `auth:10/min`, kept in metadata. */
  limit?: string;
  /** The route or resource limited. */
  resource?: string;
}

function base(ctx: SecurityContext) {
  return {
    userId: ctx.userId ?? null,
    stellarAddress: ctx.stellarAddress ?? null,
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent ?? null,
    metadata: ctx.metadata ?? {},
  };
}

/**
 * Security events named from the OWASP Logging Vocabulary. Each returns an
 * `AuditEventInput` for `audit.write(client, …)` (or `audit.log(…)`).
 */
export const securityEvents = {
  /** `authn_login_success`: a wallet signed the challenge and got a session. */
  authnLoginSuccess(ctx: SecurityContext): AuditEventInput {
    return {
      ...base(ctx),
      event: AUDIT_EVENTS.AUTHN_LOGIN_SUCCESS,
      result: 'success',
      action: 'login',
      resource: 'session',
    };
  },
  /** `authn_login_fail`: a sign-in was refused (bad signature, expired challenge, …). */
  authnLoginFail(ctx: FailureContext): AuditEventInput {
    return {
      ...base(ctx),
      event: AUDIT_EVENTS.AUTHN_LOGIN_FAIL,
      result: 'failure',
      action: 'login',
      resource: 'session',
      reason: ctx.reason,
    };
  },
  /** `authn_token_created`: a JWT was issued (never pass the token itself). */
  authnTokenCreated(ctx: SecurityContext): AuditEventInput {
    return {
      ...base(ctx),
      event: AUDIT_EVENTS.AUTHN_TOKEN_CREATED,
      result: 'success',
      action: 'create',
      resource: 'token',
    };
  },
  /**
   * `authn_token_invalid`: a protected resource was asked for without a usable token. `reason` is a bounded
   * code (e.g. `token_missing`, `token_malformed`, `token_expired`, `token_bad_signature`, `token_unsigned`),
   * `resource` what was asked for (e.g. `route`), `resourceId` its name (the route template). Never pass the token.
   */
  authnTokenInvalid(ctx: FailureContext & { resource?: string; resourceId?: string | null }): AuditEventInput {
    return {
      ...base(ctx),
      event: AUDIT_EVENTS.AUTHN_TOKEN_INVALID,
      result: 'failure',
      action: 'authenticate',
      resource: ctx.resource ?? 'route',
      resourceId: ctx.resourceId ?? null,
      reason: ctx.reason,
    };
  },
  /** `authz_fail`: a signed-in user asked for something that is not theirs. */
  authzFail(ctx: AuthzFailContext): AuditEventInput {
    return {
      ...base(ctx),
      event: AUDIT_EVENTS.AUTHZ_FAIL,
      result: 'failure',
      action: 'access',
      resource: ctx.resource,
      resourceId: ctx.resourceId ?? null,
      reason: ctx.reason ?? 'forbidden',
    };
  },
  /** `excess_rate_limit_exceeded`: a client hit a rate limit. */
  rateLimitExceeded(ctx: RateLimitContext): AuditEventInput {
    const metadata = ctx.limit === undefined ? base(ctx).metadata : { ...base(ctx).metadata, limit: ctx.limit };
    return {
      ...base(ctx),
      metadata,
      event: AUDIT_EVENTS.EXCESS_RATE_LIMIT_EXCEEDED,
      result: 'failure',
      action: 'request',
      resource: ctx.resource ?? null,
      reason: 'rate_limited',
    };
  },
  /** `input_validation_fail`: a request failed schema validation. */
  inputValidationFail(ctx: FailureContext & { resource?: string }): AuditEventInput {
    return {
      ...base(ctx),
      event: AUDIT_EVENTS.INPUT_VALIDATION_FAIL,
      result: 'failure',
      action: 'request',
      resource: ctx.resource ?? null,
      reason: ctx.reason,
    };
  },
};
