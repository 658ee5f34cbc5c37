import type { Tracer } from '@opentelemetry/api';
import type { Account, FeeBumpTransaction, rpc, Transaction, xdr } from '@stellar/stellar-sdk';
import type { Registry } from 'prom-client';
import type { DiagnosticEventSummary } from './diagnostics';
import type { RPC_OUTCOMES } from './semconv';

/**
 * How a submission ended. The set is fixed (it is the `status` label of
 * `stellar_transactions_total`):
 * - `success`: applied in a ledger, `SUCCESS`.
 * - `failed`: included in a ledger but failed (fee charged, sequence consumed).
 * - `rejected`: the network refused the envelope (`ERROR` with a result code, or
 *   `TRY_AGAIN_LATER` on every attempt); it was never applied.
 * - `expired`: never applied and its time bound has passed on the ledger, so it
 *   can never be applied: a new envelope is safe.
 * - `indeterminate`: it may have been or may still be applied. Do NOT build a new
 *   envelope; resume with `waitForTransaction(hash)` later.
 * - `error`: nothing reached the network (the `onHash` callback threw, or the RPC
 *   refused the request itself); the same envelope may be submitted again.
 */
export type SubmissionStatus = 'success' | 'failed' | 'expired' | 'indeterminate' | 'rejected' | 'error';

/** How one RPC round trip ended (the `outcome` label of `stellar_rpc_requests_total`). */
export type RpcOutcome = (typeof RPC_OUTCOMES)[number];

/** A signed transaction as the SDK builds it. */
export type SignedTransaction = Transaction | FeeBumpTransaction;

/** Time spent, in milliseconds. */
export interface SubmissionDurations {
  /** From the call to the outcome. */
  totalMs: number;
  /** Sending, including backoff between resubmissions. */
  sendMs: number;
  /** Polling `getTransaction`. */
  confirmMs: number;
}

/** The typed result of `submitAndWait` and `waitForTransaction`. */
export interface SubmissionOutcome {
  status: SubmissionStatus;
  /** Hex transaction hash (equal to `tx.hash()`), known before the first send. */
  hash: string;
  /** The caller's logical operation, e.g. `reward_payment`. */
  method: string;
  /** Ledger the transaction was included in (`success` / `failed`). */
  ledger?: number;
  /** Transaction result code as the XDR names it, e.g. `txSuccess`, `txBadSeq`, `txFailed`; `TRY_AGAIN_LATER` when every send was refused that way. */
  resultCode?: string;
  /**
   * Per-operation result codes of an included transaction (`success` or `failed`), in operation
   * order, e.g. `['PAYMENT_SUCCESS', 'PAYMENT_NO_DESTINATION']`; also for an `ERROR` `txFAILED`.
   * Index i is operation i's own outcome: a batch caller settles each operation from it.
   */
  operationResultCodes?: string[];
  /** Diagnostic events the network attached to an `ERROR` answer (`rejected`), decoded and as XDR. */
  diagnosticEvents?: DiagnosticEventSummary[];
  /** Fee charged, in stroops, as a decimal string (`success` / `failed`; `rejected` when the network reports one). */
  feeCharged?: string;
  /** The Soroban return value of a successful contract call. */
  returnValue?: xdr.ScVal;
  /** Why the outcome is `indeterminate`, `error` or `expired` (see README). */
  reason?: string;
  /** `sendTransaction` calls made with the identical envelope (0 for `waitForTransaction`). */
  attempts: number;
  /** `getTransaction` calls made. */
  polls: number;
  /** Latest ledger the RPC reported last, and its close time (unix seconds). */
  latestLedger?: number;
  latestLedgerCloseTime?: number;
  durations: SubmissionDurations;
  /** The last RPC error seen, for `error` / `indeterminate` outcomes. */
  error?: Error;
}

/** Bounded exponential backoff between resubmissions of the identical envelope. */
export interface SendRetryOptions {
  /** Total `sendTransaction` calls for one submission (default 5). */
  maxAttempts?: number;
  /** First delay (default 250 ms); doubles each time, with jitter. */
  baseDelayMs?: number;
  /** Upper bound of one delay (default 4000 ms). */
  maxDelayMs?: number;
}

/** Options of `createStellarClient`. */
export interface StellarClientOptions {
  /** The SDK's RPC server; the client wraps it and never re-implements a call. */
  server: rpc.Server;
  /** prom-client registry for the metrics; without one, no metrics are recorded. */
  registry?: Registry;
  /** Tracer for spans; defaults to the global `@opentelemetry/api` tracer (a no-op until a provider is registered). */
  tracer?: Tracer;
  /** Per-RPC-request timeout enforced by the wrapper (default 10000 ms). */
  requestTimeoutMs?: number;
  /** Delay between `getTransaction` polls (default 1000 ms). */
  pollIntervalMs?: number;
  /** Longest time spent polling one transaction before ending `indeterminate` (default 120000 ms). */
  maxPollDurationMs?: number;
  /** Resubmission of the identical envelope on `TRY_AGAIN_LATER` and transport errors. */
  sendRetry?: SendRetryOptions;
  /** Called when recording a metric or a span throws; the submission goes on regardless. Default: one process warning. */
  onTelemetryError?: (error: unknown) => void;
}

/** Facts about a transaction a caller persists before it is sent. */
export interface TransactionIdentity {
  hash: string;
  /** Upper time bound in unix seconds, or undefined when the transaction has none. */
  maxTime?: number;
  /** Exclusive upper ledger bound, or undefined. */
  maxLedger?: number;
}

/** Options of `submitAndWait`. */
export interface SubmitOptions {
  /** The logical operation (`reward_payment`, `credential_mint`): lower-case snake_case, it becomes a metric label. */
  method: string;
  /**
   * Called with the hash and time bound before the first send; persist them here.
   * When it throws or rejects, nothing is sent and the outcome is `error` (`reason: 'on_hash_failed'`).
   */
  onHash?: (identity: TransactionIdentity) => void | Promise<void>;
  /** Stops waiting: the outcome becomes `indeterminate` (`reason: 'aborted'`) once anything was sent, else `error`. */
  signal?: AbortSignal;
}

/** Options of `waitForTransaction`. */
export interface WaitOptions {
  method: string;
  /** The transaction's upper time bound (unix seconds) as persisted; without it (or `maxLedger`) the wait cannot end `expired`. */
  maxTime?: number | string;
  /** The transaction's exclusive upper ledger bound, when it had one. */
  maxLedger?: number | string;
  /**
   * When the transaction was first sent (Date or ms since epoch). `expired` needs the RPC's
   * retained history to reach back to it; default: one day before `maxTime`.
   */
  submittedAt?: Date | number;
  signal?: AbortSignal;
}

/** The instrumented client. */
export interface StellarClient {
  /** Sends a signed transaction and waits for its true outcome; resends only the identical envelope. Never throws for network outcomes. */
  submitAndWait(tx: SignedTransaction, options: SubmitOptions): Promise<SubmissionOutcome>;
  /** Polls a persisted hash (e.g. after a restart) without sending anything. */
  waitForTransaction(hash: string, options: WaitOptions): Promise<SubmissionOutcome>;
  /** `server.simulateTransaction` with a timeout, a span and metrics. */
  simulateTransaction(tx: Transaction | FeeBumpTransaction): Promise<rpc.Api.SimulateTransactionResponse>;
  /** `server.prepareTransaction` with a timeout, a span and metrics. */
  prepareTransaction(tx: Transaction | FeeBumpTransaction): Promise<Transaction>;
  /** `server.getLatestLedger` with a timeout, a span and metrics. */
  getLatestLedger(): Promise<rpc.Api.GetLatestLedgerResponse>;
  /**
   * The account and its sequence number, as `server.getAccount`, with a timeout, a span and metrics.
   * A missing account rejects with `STELLAR_ERR_ACCOUNT_NOT_FOUND` (message `Account not found: G…`)
   * and counts as `outcome="not_found"`; a failed request keeps the SDK's error and its own outcome.
   */
  getAccount(address: string): Promise<Account>;
  /** The account's ledger entry (`entry.balance`: stroops, a bigint), same errors and outcomes as `getAccount`. */
  getAccountEntry(address: string): Promise<xdr.AccountEntry>;
  /**
   * Several accounts' ledger entries with one `getLedgerEntries` call (at most 200 distinct addresses,
   * else `STELLAR_ERR_INVALID_OPTION`), keyed by address; an account that does not exist is absent (no
   * error). A failed request keeps the SDK's error. E.g. deciding payment or create_account for a batch.
   */
  getAccountEntries(addresses: readonly string[]): Promise<Map<string, xdr.AccountEntry>>;
  /** One `server.getTransaction` with a timeout, a span and metrics (a single look, no waiting). */
  getTransaction(hash: string): Promise<rpc.Api.GetTransactionResponse>;
  /** `server.getHealth` with a timeout, a span and metrics. */
  getHealth(): Promise<rpc.Api.GetHealthResponse>;
  /** The wrapped server, for calls this client does not instrument. */
  readonly server: rpc.Server;
}
