import type { Account, Keypair, Transaction } from '@stellar/stellar-sdk';
import type { Pool } from 'pg';
import type { AuditInput, AuditSink } from '../audit-port';
import type { JobKindLabel } from '../names';
import type { OperationOutcome, StellarGateway } from './gateway';

/**
 * A job's life: requested → submitted → confirmed | failed | expired. A submitted job goes back to
 * `requested` when its envelope is void (expired or refused) and attempts remain, or when its batch
 * failed because of another job's operation. `failed | expired → requested` when the learner asks again.
 */
export type JobStatus = 'requested' | 'submitted' | 'confirmed' | 'failed' | 'expired';

/** The columns both job tables (reward_claims, credentials) share, whatever the status. */
interface JobColumns {
  id: string;
  user_id: string;
  destination: string;
  /** Envelopes this job was in that failed or expired because of it (the limit is `maxAttempts`). */
  attempts: number;
  result_code: string | null;
  /** Client of the request that started (or last re-requested) the job: its later events carry them. */
  request_ip: string | null;
  request_user_agent: string | null;
  [column: string]: unknown;
}

/** A job row typed by its status: a submitted or confirmed job always has its envelope's hash and operation index. */
export type JobRow = JobColumns &
  (
    | { status: 'requested'; tx_hash: string | null; op_index: number | null; ledger: null }
    | { status: 'submitted'; tx_hash: string; op_index: number; ledger: null }
    | { status: 'confirmed'; tx_hash: string; op_index: number; ledger: number }
    | { status: 'failed' | 'expired'; tx_hash: string | null; op_index: number | null; ledger: number | null }
  );

export type SettledStatus = 'confirmed' | 'failed' | 'expired';

/** One stored envelope (table onchain_envelopes): the transaction of one batch, committed before it is sent. */
export interface EnvelopeRow {
  hash: string;
  kind: JobKindLabel;
  source: string;
  envelope_xdr: string;
  /** Unix seconds, as text (bigint). */
  valid_until: string;
  operations: number;
  /**
   * `indeterminate`: past its time bound, unknown to the RPC, and not provably unapplied (its source's
   * sequence number reached the envelope's and the RPC's history does not cover it): its jobs are held.
   */
  status: 'submitted' | 'applied' | 'void' | 'indeterminate';
  /** The network's refusal of this envelope, kept until its time bound passes (then it decides the jobs' outcome). */
  refusal: { resultCode: string; operations: OperationOutcome[]; diagnostics?: string[] } | null;
  /** First TRY_AGAIN_LATER answer to a send of it (nothing queued); expiring after one costs no attempt. */
  try_again_later_at: Date | null;
  created_at: Date;
}

/** What differs between a reward payout and a credential mint; the domain module registers it. */
export interface JobKind<R extends JobRow = JobRow> {
  /** `kind` label of the metrics and `method` of stellar_transactions_total. */
  readonly label: JobKindLabel;
  readonly table: 'reward_claims' | 'credentials';
  readonly resource: string;
  /** Name of the span around one envelope's life. */
  readonly spanName: string;
  /** The account the operations spend from (distributor, issuer); signs every envelope. */
  readonly payer: Keypair;
  /**
   * Transaction sources, one envelope in flight each (Stellar's channel accounts). Default: the payer
   * alone. No two kinds may share an account (each source's sequence numbers belong to one kind).
   */
  readonly channels?: readonly Keypair[];
  /** Operations (jobs) per envelope, 1..100. */
  readonly maxOperations: number;
  readonly events: { submitted: string; confirmed: string; failed: string };
  /**
   * Builds the unsigned transaction (with time bounds) paying `rows` in order, operation i for row i,
   * from `source` (its sequence number); `operationSource` is the payer when it is not the transaction source.
   */
  build(rows: readonly R[], source: Account, operationSource: string | undefined): Promise<Transaction>;
  /** Extra audit fields of this kind (amount, course). */
  auditFields(row: R): Partial<AuditInput>;
  /** Called once after an outcome committed (metrics). */
  onSettled?(row: R): void;
}

/** Fault injection for crash tests. */
export interface JobHooks {
  /** Runs after the envelope and its hash committed, before the envelope is sent. */
  afterSubmitCommit?(envelope: EnvelopeRow): Promise<void> | void;
  /** Runs after the envelope was sent, before its outcome is known or committed. */
  afterSend?(envelope: EnvelopeRow): Promise<void> | void;
}

/** What the machine reports to the metrics (see names.ts METRIC.onchain*). */
export interface JobSignals {
  /** A job settled (onchain_jobs_settled_total). */
  settled(kind: JobKindLabel, status: SettledStatus): void;
  /** An envelope of `operations` operations committed (onchain_batch_operations). */
  envelopeCommitted(kind: JobKindLabel, operations: number): void;
  /** `count` operations confirmed in `ledger` (onchain_operations_confirmed_total, onchain_operations_per_ledger). */
  operationsConfirmed(kind: JobKindLabel, ledger: number, count: number): void;
  /** A channel's in-flight state may have changed (refresh onchain_channel_in_flight). */
  channelsChanged(): void;
}

export interface JobEngineDeps {
  pool: Pool;
  gateway: StellarGateway;
  audit: AuditSink;
  networkPassphrase: string;
  log: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
    debug(obj: object, msg?: string): void;
  };
  /** Envelopes that may fail or expire because of one job before it is given up (default 3). */
  maxAttempts?: number;
  /**
   * How often waiting requests' jobs are looked up together in the database (settled by another
   * instance), in ms (`STELLAR_POLL_INTERVAL_MS`; default 1000). One query per interval, whatever the
   * number of waiting requests.
   */
  pollMs?: number;
  signals?: JobSignals;
  hooks?: JobHooks;
}
