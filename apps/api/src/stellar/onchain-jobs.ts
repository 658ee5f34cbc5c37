import { withSpan } from '@app/tracing';
import { type Account, type Keypair, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk';
import type { Pool, PoolClient } from 'pg';
import type { AuditInput, AuditSink } from '../audit-port';
import { withTransaction } from '../db/transaction';
import { ATTR, SPAN } from '../names';
import type { LookupResult, RetryCause, StellarGateway, SubmitResult } from './gateway';
import { isRpcUnreachable } from './rpc-health';

/** requested → submitted → confirmed | failed | expired; submitted → requested once its envelope expired. */
export type JobStatus = 'requested' | 'submitted' | 'confirmed' | 'failed' | 'expired';

/** The columns both job tables (reward_claims, credentials) share. */
export interface JobRow {
  id: string;
  user_id: string;
  destination: string;
  status: JobStatus;
  tx_hash: string | null;
  envelope_xdr: string | null;
  valid_until: string | null;
  attempts: number;
  result_code: string | null;
  ledger: number | null;
  /** Client of the request that started (or last re-requested) the job: its later events carry them. */
  request_ip: string | null;
  request_user_agent: string | null;
  [column: string]: unknown;
}

/** What differs between a reward payout and a credential mint. */
export interface JobKind {
  readonly table: 'reward_claims' | 'credentials';
  /** stellar_transactions_total{method}. */
  readonly method: string;
  readonly resource: string;
  /** Name of the span around one `advance`. */
  readonly spanName: string;
  /** The account whose sequence numbers this kind uses; no other kind may use it. */
  readonly source: Keypair;
  readonly events: { submitted: string; confirmed: string; failed: string };
  /** Builds the unsigned transaction (with time bounds) from the source account. */
  build(row: JobRow, source: Account): Promise<Transaction>;
  /** Extra audit fields of this kind (amount, course). */
  auditFields(row: JobRow): Partial<AuditInput>;
  /** Called once after an outcome committed (metrics). */
  onSettled?(row: JobRow): void;
}

/** Fault injection for crash tests. */
export interface JobHooks {
  /** Runs after the envelope and its hash committed, before the envelope is sent. */
  afterSubmitCommit?(row: JobRow): Promise<void> | void;
  /** Runs after the envelope was sent, before its outcome is known or committed. */
  afterSend?(row: JobRow): Promise<void> | void;
}

export interface JobEngineDeps {
  pool: Pool;
  gateway: StellarGateway;
  audit: AuditSink;
  networkPassphrase: string;
  log: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    debug(obj: object, msg?: string): void;
  };
  /** Envelopes built before the job is given up as failed or expired. */
  maxAttempts?: number;
  /** Called once per committed outcome, with the kind's `method` and the final status (metrics). */
  onSettled?(method: string, status: 'confirmed' | 'failed' | 'expired'): void;
  hooks?: JobHooks;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Drives one kind of on-chain job through its persisted state machine. Every
 * transition is a conditional UPDATE committed with its audit event, so any
 * number of callers and instances may call `advance` for the same row: one
 * wins each transition and nobody sends a second, different payout.
 */
export class OnchainJobs {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly maxAttempts: number;

  constructor(
    private readonly kind: JobKind,
    private readonly deps: JobEngineDeps,
  ) {
    this.maxAttempts = deps.maxAttempts ?? 3;
  }

  /**
   * Moves the row as far as it can go (up to the ledger's outcome). Calls are
   * serialised in this process: the source account has one envelope in flight.
   */
  advance(id: string): Promise<JobRow | undefined> {
    const run = this.chain.then(() =>
      withSpan(this.kind.spanName, { [ATTR.jobId]: id, [ATTR.jobTable]: this.kind.table }, async (span) => {
        const row = await this.step(id);
        if (row) span.setAttribute(ATTR.jobStatus, row.status);
        return row;
      }),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Waits for every queued `advance` (used at shutdown). */
  async drain(): Promise<void> {
    await this.chain;
  }

  /**
   * One reconciler pass: resumes the submitted envelope, then queued requests in order. The
   * look-up runs outside any span (an idle service exports no traces); a span covers a pass
   * only when it has work. Returns how many jobs were waiting (up to 50) and how many it settled.
   */
  async reconcileOnce(): Promise<{ waiting: number; settled: number }> {
    const { rows } = await this.deps.pool.query<{ id: string }>(
      `SELECT id FROM ${this.kind.table} WHERE status IN ('requested', 'submitted')
       ORDER BY (status = 'submitted') DESC, created_at LIMIT 50`,
    );
    if (rows.length === 0) return { waiting: 0, settled: 0 };
    const settled = await withSpan(SPAN.reconcile, { [ATTR.jobTable]: this.kind.table }, () => this.advanceAll(rows));
    return { waiting: rows.length, settled };
  }

  private async advanceAll(rows: ReadonlyArray<{ id: string }>): Promise<number> {
    let settled = 0;
    for (const { id } of rows) {
      const row = await this.advance(id);
      if (!row || row.status === 'requested' || row.status === 'submitted') break;
      settled += 1;
    }
    return settled;
  }

  async load(id: string): Promise<JobRow | undefined> {
    const { rows } = await this.deps.pool.query<JobRow>(`SELECT * FROM ${this.kind.table} WHERE id = $1`, [id]);
    return rows[0];
  }

  private async step(id: string): Promise<JobRow | undefined> {
    let row = await this.load(id);
    if (!row) return undefined;
    if (row.status === 'submitted') row = await this.resume(row);
    if (row.status === 'requested') {
      row = await this.submit(row);
      if (row.status !== 'submitted') return row;
      await this.deps.hooks?.afterSubmitCommit?.(row);
      row = await this.sendAndSettle(row);
    }
    return row;
  }

  /** Builds, signs and commits the envelope and its hash before anything is sent. */
  private async submit(row: JobRow): Promise<JobRow> {
    let tx: Transaction;
    try {
      const account = await this.deps.gateway.getAccount(this.kind.source.publicKey());
      tx = await this.kind.build(row, account);
      tx.sign(this.kind.source);
    } catch (error) {
      // Stellar RPC unreachable: the row stays requested and the reconciler retries (the outage is logged once, by rpc-health).
      this.deps.log[isRpcUnreachable(error) ? 'debug' : 'warn'](
        { err: error, [this.kind.resource]: row.id },
        'could not build the transaction; will retry',
      );
      return row;
    }
    const hash = Buffer.from(tx.hash()).toString('hex');
    const validUntil = tx.timeBounds?.maxTime ?? '0';
    try {
      return await withTransaction(this.deps.pool, async (client) => {
        const { rows } = await client.query<JobRow>(
          `UPDATE ${this.kind.table} SET status = 'submitted', tx_hash = $2, envelope_xdr = $3, valid_until = $4,
             attempts = attempts + 1, updated_at = now()
           WHERE id = $1 AND status = 'requested' RETURNING *`,
          [row.id, hash, tx.toXDR(), validUntil],
        );
        const updated = rows[0];
        if (!updated) return (await this.reload(client, row.id)) ?? row;
        await this.audit(client, updated, this.kind.events.submitted, 'success', 'submit', {
          metadata: { attempt: updated.attempts, validUntil: Number(validUntil), previousTxHash: row.tx_hash },
        });
        return updated;
      });
    } catch (error) {
      // Another envelope of this source is in flight (possibly on another instance): wait our turn.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return row;
      throw error;
    }
  }

  /** Resuming a submitted row (restart, another instance, RPC back): the stored hash decides. */
  private async resume(row: JobRow): Promise<JobRow> {
    let found: LookupResult;
    try {
      found = await this.deps.gateway.lookup(row.tx_hash!);
    } catch {
      return row;
    }
    if (found.kind === 'success') return this.settle(row, 'confirmed', { ledger: found.ledger });
    if (found.kind === 'failed')
      return this.settle(row, 'failed', { ledger: found.ledger, resultCode: found.resultCode });
    if (found.latestLedgerCloseTime > Number(row.valid_until)) return this.retry(row, 'expired', 'txTOO_LATE');
    // The process may have died between commit and send: the identical envelope is safe to resend.
    return this.sendAndSettle(row);
  }

  /** Sends the stored envelope (the same bytes every time, so a resend cannot pay twice) and settles. */
  private async sendAndSettle(row: JobRow): Promise<JobRow> {
    const envelope = TransactionBuilder.fromXDR(row.envelope_xdr!, this.deps.networkPassphrase) as Transaction;
    let result: SubmitResult;
    try {
      result = await this.deps.gateway.submit(envelope, this.kind.method);
    } catch (error) {
      this.deps.log[isRpcUnreachable(error) ? 'debug' : 'warn'](
        { err: error, [this.kind.resource]: row.id },
        'submission interrupted; will resume',
      );
      return row;
    }
    await this.deps.hooks?.afterSend?.(row);
    if (result.kind === 'success') return this.settle(row, 'confirmed', { ledger: result.ledger });
    if (result.kind === 'failed') {
      return this.settle(row, 'failed', { ledger: result.ledger, resultCode: result.resultCode });
    }
    if (result.kind === 'pending') return row;
    // Refused or expired: make sure no copy was applied meanwhile before building another envelope.
    const found = await this.deps.gateway.lookup(row.tx_hash!).catch(() => undefined);
    if (!found) return row;
    if (found.kind === 'success') return this.settle(row, 'confirmed', { ledger: found.ledger });
    if (found.kind === 'failed')
      return this.settle(row, 'failed', { ledger: found.ledger, resultCode: found.resultCode });
    return this.retry(row, result.cause, result.resultCode);
  }

  /** The envelope can never be applied: queue a new one, or give up after maxAttempts. */
  private async retry(row: JobRow, cause: RetryCause, resultCode: string): Promise<JobRow> {
    if (row.attempts >= this.maxAttempts) {
      // The last envelope's own cause decides: every envelope expiring is `expired`, not `failed`.
      return this.settle(row, cause === 'expired' ? 'expired' : 'failed', { resultCode });
    }
    return withTransaction(this.deps.pool, async (client) => {
      const { rows } = await client.query<JobRow>(
        `UPDATE ${this.kind.table} SET status = 'requested', result_code = $3, updated_at = now()
         WHERE id = $1 AND status = 'submitted' AND tx_hash = $2 RETURNING *`,
        [row.id, row.tx_hash, resultCode],
      );
      if (rows[0]) {
        this.deps.log.info(
          { [this.kind.resource]: row.id, txHash: row.tx_hash, resultCode },
          'envelope void; rebuilding',
        );
      }
      return rows[0] ?? (await this.reload(client, row.id)) ?? row;
    });
  }

  /** Commits the outcome with its audit event; only the first caller for this hash wins. */
  private async settle(
    row: JobRow,
    status: 'confirmed' | 'failed' | 'expired',
    outcome: { ledger?: number; resultCode?: string },
  ): Promise<JobRow> {
    const settled = await withTransaction(this.deps.pool, async (client) => {
      const { rows } = await client.query<JobRow>(
        `UPDATE ${this.kind.table} SET status = $3, ledger = $4, result_code = $5, updated_at = now()
         WHERE id = $1 AND status = 'submitted' AND tx_hash = $2 RETURNING *`,
        [row.id, row.tx_hash, status, outcome.ledger ?? null, outcome.resultCode ?? null],
      );
      const updated = rows[0];
      if (!updated) return undefined;
      const confirmed = status === 'confirmed';
      await this.audit(
        client,
        updated,
        confirmed ? this.kind.events.confirmed : this.kind.events.failed,
        confirmed ? 'success' : 'failure',
        confirmed ? 'confirm' : status === 'expired' ? 'expire' : 'fail',
        {
          reason: confirmed ? null : status === 'expired' ? 'expired' : (outcome.resultCode ?? 'failed'),
          metadata: { ledger: outcome.ledger ?? null, attempts: updated.attempts },
        },
      );
      return updated;
    });
    if (!settled) return (await this.load(row.id)) ?? row;
    this.deps.onSettled?.(this.kind.method, status);
    this.kind.onSettled?.(settled);
    return settled;
  }

  private async reload(client: PoolClient, id: string): Promise<JobRow | undefined> {
    const { rows } = await client.query<JobRow>(`SELECT * FROM ${this.kind.table} WHERE id = $1`, [id]);
    return rows[0];
  }

  private audit(
    client: PoolClient,
    row: JobRow,
    event: string,
    result: 'success' | 'failure',
    action: string,
    extra: Partial<AuditInput>,
  ): Promise<unknown> {
    const kindFields = this.kind.auditFields(row);
    return this.deps.audit.write(client, {
      event,
      result,
      action,
      userId: row.user_id,
      stellarAddress: row.destination,
      resource: this.kind.resource,
      resourceId: row.id,
      txHash: row.tx_hash,
      // Written in the background: the client is the one of the request that started the job.
      ip: row.request_ip ?? null,
      userAgent: row.request_user_agent ?? null,
      ...kindFields,
      ...extra,
      metadata: { ...kindFields.metadata, ...extra.metadata },
    });
  }
}
