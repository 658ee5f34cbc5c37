import { AUDIT_EVENTS } from '@app/audit';

/** Audit event names (from @app/audit): the dashboards query quiz_submitted and reward_claimed. */
export const AUDIT = {
  quizSubmitted: AUDIT_EVENTS.QUIZ_SUBMITTED,
  rewardClaimed: AUDIT_EVENTS.REWARD_CLAIMED,
  rewardClaimRequested: AUDIT_EVENTS.REWARD_CLAIM_REQUESTED,
  rewardPayoutSubmitted: AUDIT_EVENTS.REWARD_PAYOUT_SUBMITTED,
  rewardClaimFailed: AUDIT_EVENTS.REWARD_CLAIM_FAILED,
  credentialMintRequested: AUDIT_EVENTS.CREDENTIAL_MINT_REQUESTED,
  credentialMinted: AUDIT_EVENTS.CREDENTIAL_MINTED,
  credentialMintFailed: AUDIT_EVENTS.CREDENTIAL_MINT_FAILED,
  /** The mint's envelope and hash committed before sending (the mint's twin of reward_payout_submitted). */
  credentialMintSubmitted: 'credential_mint_submitted',
  loginSuccess: AUDIT_EVENTS.AUTHN_LOGIN_SUCCESS,
  loginFailure: AUDIT_EVENTS.AUTHN_LOGIN_FAIL,
  authorizationFailure: AUDIT_EVENTS.AUTHZ_FAIL,
  rateLimitHit: AUDIT_EVENTS.EXCESS_RATE_LIMIT_EXCEEDED,
  /** A claim refused because the learner's quiz was already rewarded (reason `already_claimed`). */
  rewardClaimRejected: 'reward_claim_rejected',
} as const;

/** Metric names owned by the service (the shared set comes from @app/metrics). */
export const METRIC = {
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
