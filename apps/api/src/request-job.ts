import { securityEvents } from '@app/audit';
import type { Pool, PoolClient } from 'pg';
import type { AuditInput, AuditSink } from './audit-port';
import { withTransaction } from './db/transaction';
import { ERR_FORBIDDEN, ERR_NOT_FOUND } from './errors';
import type { Caller } from './plugins/auth';
import type { JobFieldsView } from './schemas';
import type { JobRow, OnchainJobs } from './stellar/onchain-jobs';

/** What the request path of one job kind (reward claim, credential mint) needs. */
export interface JobRequestDeps<R extends JobRow = JobRow> {
  pool: Pool;
  audit: AuditSink;
  jobs: OnchainJobs<R>;
  /** How long a request waits for the outcome (`CLAIM_WAIT_MS`). */
  waitMs: number;
  auditSecurity(event: AuditInput): Promise<void>;
}

/** One job kind's table, resource name and `*_requested` audit event. */
export interface JobRequestKind {
  table: 'reward_claims' | 'credentials';
  /** Audit `resource` of the job row, e.g. `reward_claim`. */
  resource: string;
  /** What a 404 calls the row, e.g. `claim`. */
  noun: string;
  /** Audit event written with a new (or re-requested) row. */
  requestedEvent: string;
}

/** What a kind's `insert` step returns: the row, whether it is new, and extra audit fields. */
export interface Inserted<R extends JobRow> {
  row: R;
  created: boolean;
  audit?: Pick<AuditInput, 'amount' | 'metadata'>;
}

/** A refusal decided inside the transaction, audited as `authz_fail` after it rolled back. */
export class NotOwner extends Error {
  constructor(
    readonly resource: string,
    readonly resourceId: string,
    /** What the caller tried, e.g. `claim`. */
    readonly action: string,
  ) {
    super(`${resource} ${resourceId} belongs to another user`);
  }
}

/** The request-a-job helper shared by reward claims and credential mints. */
export interface JobRequester<R extends JobRow> {
  /**
   * In one transaction: runs `insert` (the kind's checks and its row insert,
   * `ON CONFLICT DO NOTHING`), puts a `failed`/`expired` row back to `requested`
   * when asked again, and writes `requestedEvent` with a new or requeued row.
   * Then waits up to `waitMs` for the ledger and returns the row as it is.
   * Throws the AppError `insert` throws; `NotOwner` becomes 403 + `authz_fail`.
   */
  request(caller: Caller, insert: (client: PoolClient) => Promise<Inserted<R>>): Promise<{ row: R; created: boolean }>;
  /** The caller's own row; 404 when absent, 403 + `authz_fail` when it is someone else's. */
  get(caller: Caller, id: string): Promise<R>;
  /** Audits an `authz_fail` (`action` refused on `resource`/`resourceId`) and returns the 403 to throw. */
  denied(caller: Caller, resource: string, resourceId: string, action: string): Promise<Error>;
}

const SETTLED = new Set(['confirmed', 'failed', 'expired']);

export function createJobRequester<R extends JobRow>(deps: JobRequestDeps<R>, kind: JobRequestKind): JobRequester<R> {
  const find = async (id: string): Promise<R | undefined> =>
    (await deps.pool.query<R>(`SELECT * FROM ${kind.table} WHERE id = $1`, [id])).rows[0];

  const denied = async (caller: Caller, resource: string, resourceId: string, action: string) => {
    await deps.auditSecurity({
      ...securityEvents.authzFail({
        userId: caller.userId,
        stellarAddress: caller.address,
        ip: caller.ip,
        userAgent: caller.userAgent,
        resource,
        resourceId,
        reason: 'not_owner',
      }),
      action,
    });
    return ERR_FORBIDDEN();
  };

  /**
   * Sends the job's batch (if a channel is free) and waits for its outcome for up to `waitMs` in all,
   * without polling of its own: settled here, the request wakes at once; settled by another instance,
   * at once too when the PostgreSQL notification arrives (job-outcomes.ts, `OnchainJobs.settledElsewhere`),
   * else within `STELLAR_POLL_INTERVAL_MS` (one shared look-up for every waiting request, see
   * OnchainJobs.awaitSettled). Then reads the row once. The job goes on in the background either way.
   * `waitMs` 0 answers at once and leaves the job to the reconciler.
   */
  const awaitOutcome = async (initial: R): Promise<R> => {
    if (SETTLED.has(initial.status) || deps.waitMs <= 0) return initial;
    await deps.jobs.awaitSettled(initial.id, deps.waitMs);
    return (await find(initial.id)) ?? initial;
  };

  return {
    denied,
    async request(caller, insert) {
      let outcome: { row: R; created: boolean };
      try {
        outcome = await withTransaction(deps.pool, async (client) => {
          let { row, created, audit } = await insert(client);
          const retried = created ? undefined : await deps.jobs.requeue(client, row.id, caller);
          if (retried) [row, created] = [retried, true];
          if (created) {
            await deps.audit.write(client, {
              event: kind.requestedEvent,
              result: 'success',
              userId: caller.userId,
              stellarAddress: caller.address,
              resource: kind.resource,
              resourceId: row.id,
              action: 'create',
              ip: caller.ip,
              userAgent: caller.userAgent,
              ...(audit?.amount === undefined ? {} : { amount: audit.amount }),
              metadata: { ...audit?.metadata, retryOf: retried?.tx_hash ?? null },
            });
          }
          return { row, created };
        });
      } catch (error) {
        if (error instanceof NotOwner) throw await denied(caller, error.resource, error.resourceId, error.action);
        throw error;
      }
      return { row: await awaitOutcome(outcome.row), created: outcome.created };
    },
    async get(caller, id) {
      const row = await find(id);
      if (!row) throw ERR_NOT_FOUND(`${kind.noun} ${id}`);
      if (row.user_id !== caller.userId) throw await denied(caller, kind.resource, id, 'read');
      return row;
    },
  };
}

/** The status fields every job view shares (`jobFields` in schemas.ts). */
export function jobView(row: JobRow): JobFieldsView {
  return {
    status: row.status,
    txHash: row.tx_hash,
    operationIndex: row.op_index,
    ledger: row.ledger,
    resultCode: row.result_code,
  };
}
