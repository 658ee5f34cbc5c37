import { AUDIT_EVENTS } from '@app/audit';
import { ATTR_TX_HASH } from '@app/stellar-instrumented';

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
  /** 1, labelled with `version` (apps/api package.json) and `node_version` (`process.version`). */
  buildInfo: 'app_build_info',
  /** Connections of the service's pg Pool by `state`: `total`, `idle`, `waiting` (clients queued for one). */
  dbPoolConnections: 'db_pool_connections',
  /** 1 when the last periodic `SELECT 1` answered within its timeout, else 0. */
  dbUp: 'db_up',
  /** 0 from the first failed Stellar RPC call until the RPC answers again (stellar/rpc-health.ts), else 1. */
  stellarRpcUp: 'stellar_rpc_up',
  /** Jobs not settled yet, by `kind` (reward_payout | credential_mint) and `state` (requested | submitted). */
  onchainJobsWaiting: 'onchain_jobs_waiting',
  /**
   * Envelopes held `indeterminate`, by `kind`: past their time bound, unknown to the Stellar RPC (outside
   * its history window) and not provably unapplied, so their jobs are neither voided nor rebuilt. Read
   * from the shared database. Anything above 0 needs an operator (look the hash up elsewhere).
   */
  onchainEnvelopesIndeterminate: 'onchain_envelopes_indeterminate',
  /** Age in seconds of the oldest waiting job (since its row was created), by `kind`; 0 when none waits. */
  onchainJobOldestWaitingAge: 'onchain_job_oldest_waiting_age_seconds',
  /** Reconciler passes by `outcome`: ok (had work), idle (nothing waiting), error (the pass threw). */
  onchainReconcilerPasses: 'onchain_reconciler_passes_total',
  /** Jobs settled, by `kind` and final `status` (confirmed | failed | expired). */
  onchainJobsSettled: 'onchain_jobs_settled_total',
  /** Operations in each envelope committed, by `kind` (histogram; buckets BUCKETS.batchOperations). */
  onchainBatchOperations: 'onchain_batch_operations',
  /**
   * Operations of `kind` this instance confirmed in one ledger, observed once per ledger (when a later
   * ledger's settlement arrives, or at a reconciler pass). Per instance: sum over instances in PromQL.
   */
  onchainOperationsPerLedger: 'onchain_operations_per_ledger',
  /** Operations confirmed, by `kind` (rate() = payouts per second). */
  onchainOperationsConfirmed: 'onchain_operations_confirmed_total',
  /** 1 while the channel account (`channel` = its G… key) has a submitted, unsettled envelope, else 0. */
  onchainChannelInFlight: 'onchain_channel_in_flight',
  /**
   * 1 while the channel account (`channel` = its G… key) is set aside (it could not pay for its envelope:
   * txINSUFFICIENT_BALANCE, txBAD_AUTH, txNO_ACCOUNT); no envelope is built on it meanwhile. Read from PostgreSQL.
   */
  onchainChannelSetAside: 'onchain_channel_set_aside',
  /** Seconds since the in-flight envelope of `channel` was committed; 0 when idle. */
  onchainChannelInFlightAge: 'onchain_channel_in_flight_age_seconds',
  /** Native balance in XLM of the service's source accounts, by `account` (distributor | issuer | channel). */
  stellarAccountBalance: 'stellar_account_balance_xlm',
} as const;

/** Histogram buckets of the service's own histograms. */
export const BUCKETS = {
  batchOperations: [1, 2, 5, 10, 20, 50, 100],
  operationsPerLedger: [1, 2, 5, 10, 20, 50, 100, 200, 500],
} as const;

/** Bounded label values of the service's own metrics. */
export const LABEL_VALUES = {
  jobKinds: ['reward_payout', 'credential_mint'],
  waitingStates: ['requested', 'submitted'],
  settledStatuses: ['confirmed', 'failed', 'expired'],
  reconcilerOutcomes: ['ok', 'idle', 'error'],
  poolStates: ['total', 'idle', 'waiting'],
  accounts: ['distributor', 'issuer', 'channel'],
} as const;

export type JobKindLabel = (typeof LABEL_VALUES.jobKinds)[number];
export type ReconcilerOutcome = (typeof LABEL_VALUES.reconcilerOutcomes)[number];
export type AccountLabel = (typeof LABEL_VALUES.accounts)[number];

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
  /** Ids of the jobs an envelope pays, in operation order (string array, at most 100). */
  jobIds: 'app.job.ids',
  jobTable: 'app.job.table',
  /** Hex hash of the envelope a span works on (@app/stellar-instrumented's attribute). */
  txHash: ATTR_TX_HASH,
  /** Operations (jobs) in the envelope. */
  operations: 'app.onchain.operations',
  /** How the envelope's span ended: applied, void or pending (still unknown; resumed later). */
  envelopeOutcome: 'app.onchain.envelope.outcome',
} as const;

/** The rate limits (the `limit` label of rate_limit_exceeded_total): per IP on sign-in, per learner otherwise. */
export const RATE_LIMITS = ['auth', 'quiz_submission', 'reward_claim'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];
