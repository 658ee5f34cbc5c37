import { AUDIT_EVENTS } from '@app/audit';

/**
 * Audit event names of the service. The learn-to-earn events are the service's own (the dashboards
 * query quiz_submitted and reward_claimed: never rename them); the security events come from
 * @app/audit (OWASP Logging Vocabulary). Every name here is registered with the audit writer, which
 * refuses any other.
 */
export const AUDIT = {
  quizSubmitted: 'quiz_submitted',
  rewardClaimed: 'reward_claimed',
  rewardClaimRequested: 'reward_claim_requested',
  rewardPayoutSubmitted: 'reward_payout_submitted',
  rewardClaimFailed: 'reward_claim_failed',
  credentialMintRequested: 'credential_mint_requested',
  credentialMinted: 'credential_minted',
  credentialMintFailed: 'credential_mint_failed',
  /** The mint's envelope and hash committed before sending (the mint's twin of reward_payout_submitted). */
  credentialMintSubmitted: 'credential_mint_submitted',
  loginSuccess: AUDIT_EVENTS.AUTHN_LOGIN_SUCCESS,
  loginFailure: AUDIT_EVENTS.AUTHN_LOGIN_FAIL,
  authorizationFailure: AUDIT_EVENTS.AUTHZ_FAIL,
  rateLimitHit: AUDIT_EVENTS.EXCESS_RATE_LIMIT_EXCEEDED,
  /** A claim refused because the learner's quiz was already rewarded (reason `already_claimed`). */
  rewardClaimRejected: 'reward_claim_rejected',
} as const;

/** Metric names owned by the service (the generic HTTP, Stellar and connection set comes from @app/metrics). */
export const METRIC = {
  quizzesCompleted: 'quizzes_completed_total',
  rewardClaims: 'reward_claims_total',
  credentialsMinted: 'credentials_minted_total',
  authAttempts: 'auth_attempts_total',
  /** Claims refused, by reason (`already_claimed`). */
  rewardClaimsRejected: 'reward_claims_rejected_total',
  /** Requests refused by a rate limit, by limit (`auth`, `quiz_submission`, `reward_claim`). */
  rateLimitExceeded: 'rate_limit_exceeded_total',
  tracingSpansExported: 'tracing_spans_exported_total',
} as const;

/** Stellar method labels for stellar_transactions_total{method}. */
export const STELLAR_METHOD = {
  rewardPayout: 'reward_payout',
  credentialMint: 'credential_mint',
} as const;

/** Span names of the service's own spans. */
export const SPAN = {
  jwtVerify: 'jwt.verify',
  sep53Verify: 'auth.sep53_verify',
  claimProcess: 'reward_claim.process',
  mintProcess: 'credential_mint.process',
  reconcile: 'onchain_jobs.reconcile',
} as const;

/** Span attributes of the service's own spans. */
export const ATTR = {
  jobId: 'app.job.id',
  jobStatus: 'app.job.status',
  jobTable: 'app.job.table',
} as const;

/** The rate limits (the `limit` label of rate_limit_exceeded_total): per IP on sign-in, per learner otherwise. */
export const RATE_LIMITS = ['auth', 'quiz_submission', 'reward_claim'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];
