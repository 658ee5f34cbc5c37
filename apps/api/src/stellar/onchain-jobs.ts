import { withSpan } from '@app/tracing';
import { type Keypair, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk';
import type { PoolClient } from 'pg';
import type { AuditInput, RequestContext } from '../audit-port';
import { withClient, withTransaction } from '../db/transaction';
import { ATTR, SPAN } from '../names';
import { type EnvelopeResult, type LookupResult, RESULT_TRY_AGAIN_LATER } from './gateway';
import type { EnvelopeRow, JobEngineDeps, JobKind, JobRow, SettledStatus } from './job-types';
import { isRpcUnreachable } from './rpc-health';
import { CHANNEL_FAULT_CODES, type JobTransition, transitionOf } from './transitions';

export type {
  EnvelopeRow,
  JobEngineDeps,
  JobHooks,
  JobKind,
  JobRow,
  JobSignals,
  JobStatus,
  SettledStatus,
} from './job-types';
export { type JobTransition, transitionOf } from './transitions';

const UNIQUE_VIOLATION = '23505';
/**
 * Seconds of clock difference allowed between PostgreSQL (an envelope's commit time) and the
 * network's ledger close times when deciding that an RPC's history covers an envelope.
 */
const HISTORY_CLOCK_SKEW_SECONDS = 60;
/** Longest pause of a channel whose sends are answered TRY_AGAIN_LATER. */
const MAX_CONGESTION_BACKOFF_MS = 30_000;

/** What became of an envelope the machine processed. */
type Outcome = { kind: 'applied' | 'void' | 'indeterminate'; settled: number };

/**
 * Drives one kind of on-chain job through its persisted state machine, in batches: each envelope
 * pays up to `maxOperations` waiting jobs, one operation each, from one channel account. Every
 * transition is a conditional UPDATE committed with its audit events, so any number of callers and
 * instances may drive the same kind: the envelope and its hash are committed before anything is
 * sent, one envelope is in flight per channel (a unique index), and a job is settled once.
 */
export class OnchainJobs<R extends JobRow = JobRow> {
  private readonly maxAttempts: number;
  private readonly channels: readonly Keypair[];
  private readonly running = new Map<string, Promise<number>>();
  /** Channels kicked while their loop was running: it makes one more pass. */
  private readonly kicked = new Set<string>();
  private registered: Promise<void> | undefined;
  /** Requests waiting for a job to settle (`awaitSettled`), by job id. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /** The shared look-up of waited-for jobs, while any request waits. */
  private watcher: NodeJS.Timeout | undefined;
  private readonly pollMs: number;
  /**
   * Channels whose last send was answered TRY_AGAIN_LATER (the RPC / core congested): nothing is sent
   * on them before `until` (ms since epoch); the delay doubles up to MAX_CONGESTION_BACKOFF_MS.
   */
  private readonly congested = new Map<string, { until: number; delayMs: number }>();

  constructor(
    readonly kind: JobKind<R>,
    private readonly deps: JobEngineDeps,
  ) {
    this.maxAttempts = deps.maxAttempts ?? 3;
    this.pollMs = deps.pollMs ?? 1000;
    this.channels = kind.channels?.length ? kind.channels : [kind.payer];
    if (kind.maxOperations < 1 || kind.maxOperations > 100 || !Number.isInteger(kind.maxOperations)) {
      throw new RangeError(`maxOperations must be an integer 1..100, got ${kind.maxOperations}`);
    }
  }

  /** The channel accounts' public keys (the transaction sources). */
  get channelKeys(): string[] {
    return this.channels.map((c) => c.publicKey());
  }

  /**
   * Sends waiting jobs on every free channel (without waiting for them) and resolves once job `id`
   * is settled — by this process (at once) or by another instance (`settledElsewhere`, from a PostgreSQL
   * notification; else seen by one shared look-up of all waited-for jobs every `pollMs`) — or after
   * `ms`. Never sends a second envelope for a job.
   */
  awaitSettled(id: string, ms: number): Promise<void> {
    void this.kick().catch(() => undefined);
    return new Promise<void>((resolve) => {
      const waiters = this.waiters.get(id) ?? new Set<() => void>();
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.waiters.get(id) === waiters) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      waiters.add(wake);
      this.waiters.set(id, waiters);
      this.watch();
    });
  }

  /** Job `id` settled on another instance (PostgreSQL NOTIFY, job-outcomes.ts): wakes this process's requests waiting for it. */
  settledElsewhere(id: string): void {
    for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
  }

  /**
   * While requests wait: every `pollMs`, one query finds which of their jobs settled elsewhere and
   * wakes them, and the channels are kicked again if no loop of this process runs.
   */
  private watch(): void {
    if (this.watcher || this.waiters.size === 0) return;
    this.watcher = setTimeout(async () => {
      try {
        const ids = [...this.waiters.keys()];
        const { rows } = await this.deps.pool.query<{ id: string }>(
          `SELECT id FROM ${this.kind.table} WHERE id = ANY($1::uuid[]) AND status IN ('confirmed', 'failed', 'expired')`,
          [ids],
        );
        for (const { id } of rows) for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
        if (this.running.size === 0 && this.waiters.size > 0) void this.kick().catch(() => undefined);
      } catch (error) {
        this.deps.log.debug({ err: error }, 'waiting jobs look-up failed; will retry');
      } finally {
        this.watcher = undefined;
        this.watch();
      }
    }, this.pollMs);
    this.watcher.unref();
  }

  /** Waits for every channel loop of this process (used at shutdown); waiting requests get their answer. */
  async drain(): Promise<void> {
    for (const waiters of [...this.waiters.values()]) for (const wake of [...waiters]) wake();
    clearTimeout(this.watcher);
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /**
   * One reconciler pass: resumes every submitted envelope of this kind (also those of sources no
   * longer configured) and looks up again the ones held `indeterminate`, then sends waiting jobs. The look-up runs outside any span (an idle
   * service exports no traces). Returns how many jobs were waiting and how many it settled.
   */
  async reconcileOnce(): Promise<{ waiting: number; settled: number }> {
    const { rows } = await this.deps.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.kind.table} WHERE status IN ('requested', 'submitted')`,
    );
    const waiting = rows[0]?.n ?? 0;
    const orphans = await this.deps.pool.query<EnvelopeRow>(
      `SELECT * FROM onchain_envelopes WHERE kind = $1
         AND ((status = 'submitted' AND NOT (source = ANY($2))) OR status = 'indeterminate')`,
      [this.kind.label, this.channelKeys],
    );
    if (waiting === 0 && orphans.rows.length === 0) return { waiting: 0, settled: 0 };
    const settled = await withSpan(SPAN.reconcile, { [ATTR.jobTable]: this.kind.table }, async () => {
      let n = 0;
      for (const envelope of orphans.rows) {
        const done = await this.process(envelope, false);
        if (done !== 'pending') n += done;
      }
      return n + (await this.kick());
    });
    return { waiting, settled };
  }

  async load(id: string): Promise<R | undefined> {
    const { rows } = await this.deps.pool.query<R>(`SELECT * FROM ${this.kind.table} WHERE id = $1`, [id]);
    return rows[0];
  }

  /**
   * `failed | expired → requested`: the learner asked again. Safe: neither outcome moved anything
   * on the ledger, and the row lock the caller's transaction takes keeps concurrent requests out.
   * The new request's client becomes the job's. Returns the row when it was requeued.
   */
  async requeue(client: PoolClient, id: string, requester: RequestContext): Promise<R | undefined> {
    const { rows } = await client.query<R>(
      `UPDATE ${this.kind.table} SET status = 'requested', attempts = 0, ledger = NULL, updated_at = now(),
         request_ip = $2, request_user_agent = $3
       WHERE id = $1 AND status IN ('failed', 'expired') RETURNING *`,
      [id, requester.ip, requester.userAgent],
    );
    return rows[0];
  }

  /** Starts (or joins) the loop of every channel; resolves with how many jobs they settled. */
  private async kick(): Promise<number> {
    this.registered ??= this.registerChannels();
    await this.registered;
    const counts = await Promise.all(this.channels.map((channel) => this.drive(channel)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private registerChannels(): Promise<void> {
    return this.deps.pool
      .query(
        `INSERT INTO onchain_channels (public_key, kind) SELECT unnest($1::text[]), $2 ON CONFLICT (public_key) DO NOTHING`,
        [this.channelKeys, this.kind.label],
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.registered = undefined;
          throw error;
        },
      );
  }

  private drive(channel: Keypair): Promise<number> {
    const key = channel.publicKey();
    const running = this.running.get(key);
    if (running) {
      this.kicked.add(key);
      return running;
    }
    const run = this.driveChannel(channel).finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  /** One channel: finish its envelope in flight, then send batches until nothing waits. */
  private async driveChannel(channel: Keypair): Promise<number> {
    const key = channel.publicKey();
    let settled = 0;
    for (;;) {
      this.kicked.delete(key);
      // The RPC pushed back on this channel's last send: wait (a reconciler pass or a kick comes back).
      if ((this.congested.get(key)?.until ?? 0) > Date.now()) return settled;
      const { rows } = await this.deps.pool.query<EnvelopeRow>(
        `SELECT * FROM onchain_envelopes WHERE source = $1 AND status = 'submitted'`,
        [key],
      );
      const stored = rows[0];
      const envelope = stored ?? (await this.submitBatch(channel));
      // Could not build (RPC unreachable): the reconciler's next pass tries again, not a kick.
      if (envelope === 'unbuilt') return settled;
      if (!envelope) {
        if (this.kicked.has(key)) continue;
        return settled;
      }
      if (!stored) await this.deps.hooks?.afterSubmitCommit?.(envelope);
      const done = await this.process(envelope, !stored);
      if (done === 'pending') return settled;
      this.congested.delete(key);
      settled += done;
    }
  }

  /**
   * Takes up to `maxOperations` waiting jobs and commits their envelope on `channel`, in one
   * transaction: the channel's row lock (SKIP LOCKED: another instance holds it) and the unique
   * index on in-flight envelopes per source decide who uses the channel; the jobs' row locks
   * (SKIP LOCKED) keep another channel's batch off them. Nothing is sent here. Returns undefined when
   * the channel is busy or nothing waits, `unbuilt` when the envelope could not be built.
   */
  private async submitBatch(channel: Keypair): Promise<EnvelopeRow | 'unbuilt' | undefined> {
    const key = channel.publicKey();
    return withClient(this.deps.pool, async (client) => {
      try {
        await client.query('BEGIN');
        const locked = await client.query(
          `SELECT public_key FROM onchain_channels c WHERE public_key = $1
           AND (c.set_aside_until IS NULL OR c.set_aside_until <= now())
           AND NOT EXISTS (SELECT 1 FROM onchain_envelopes e WHERE e.source = c.public_key AND e.status = 'submitted')
         FOR UPDATE SKIP LOCKED`,
          [key],
        );
        const { rows } = locked.rows[0]
          ? await client.query<R>(
              `SELECT * FROM ${this.kind.table} WHERE status = 'requested' ORDER BY created_at, id LIMIT $1
             FOR UPDATE SKIP LOCKED`,
              [this.kind.maxOperations],
            )
          : { rows: [] as R[] };
        if (rows.length === 0) {
          await client.query('ROLLBACK');
          return undefined;
        }
        let tx: Transaction;
        try {
          const account = await this.deps.gateway.getAccount(key);
          const payer = this.kind.payer;
          tx = await this.kind.build(rows, account, payer.publicKey() === key ? undefined : payer.publicKey());
          tx.sign(channel);
          if (payer.publicKey() !== key) tx.sign(payer);
        } catch (error) {
          // Stellar RPC unreachable: the jobs stay requested and the reconciler retries.
          // An RPC outage is logged once by stellar/rpc-health.ts; the per-attempt line is debug then.
          this.deps.log[isRpcUnreachable(error) ? 'debug' : 'warn'](
            { err: error, channel: key, jobs: rows.length },
            'could not build the envelope; will retry',
          );
          await client.query('ROLLBACK');
          return 'unbuilt';
        }
        const hash = Buffer.from(tx.hash()).toString('hex');
        const validUntil = tx.timeBounds?.maxTime ?? '0';
        const inserted = await client.query<EnvelopeRow>(
          `INSERT INTO onchain_envelopes (hash, kind, source, envelope_xdr, valid_until, operations, status)
         VALUES ($1, $2, $3, $4, $5, $6, 'submitted') RETURNING *`,
          [hash, this.kind.label, key, tx.toXDR(), validUntil, rows.length],
        );
        const [envelope] = inserted.rows;
        if (!envelope) throw new Error(`envelope ${hash} was not stored`);
        const updated = await client.query<R>(
          `UPDATE ${this.kind.table} AS j SET status = 'submitted', tx_hash = $1, op_index = (v.ordinality - 1)::int,
             attempts = j.attempts + 1, result_code = NULL, updated_at = now()
           FROM unnest($2::uuid[]) WITH ORDINALITY AS v(id, ordinality)
           WHERE j.id = v.id AND j.status = 'requested'
           RETURNING j.*`,
          [hash, rows.map((row) => row.id)],
        );
        // Locked FOR UPDATE above as `requested`: every update must land (if not, roll back everything).
        if (updated.rows.length !== rows.length)
          throw new Error(`jobs of envelope ${hash} left the requested state while locked`);
        const byId = new Map(updated.rows.map((job) => [job.id, job]));
        await this.deps.audit.writeMany(
          client,
          rows.map((row, opIndex) => {
            const job = byId.get(row.id) as R;
            return this.event(job, this.kind.events.submitted, 'success', 'submit', {
              metadata: {
                attempt: job.attempts,
                validUntil: Number(validUntil),
                previousTxHash: row.tx_hash,
                opIndex,
                operations: rows.length,
                channel: key,
              },
            });
          }),
        );
        await client.query('COMMIT');
        this.deps.signals?.envelopeCommitted(this.kind.label, rows.length);
        this.deps.signals?.channelsChanged();
        return envelope;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        // Another envelope of this channel committed first (possibly on another instance): its turn.
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
        throw error;
      }
    });
  }

  /**
   * Sends the stored envelope (the same bytes every time, so a resend cannot pay twice) and settles
   * its jobs. A `resumed` envelope (restart, another instance, RPC back) is looked up by hash first:
   * the ledger decides, and past its time bound it is void. Returns the jobs settled, or `pending`.
   */
  private process(envelope: EnvelopeRow, fresh: boolean): Promise<number | 'pending'> {
    return withSpan(
      this.kind.spanName,
      { [ATTR.txHash]: envelope.hash, [ATTR.jobTable]: this.kind.table, [ATTR.operations]: envelope.operations },
      async (span) => {
        const jobs = await this.deps.pool.query<{ id: string }>(
          `SELECT id FROM ${this.kind.table} WHERE tx_hash = $1 ORDER BY op_index`,
          [envelope.hash],
        );
        span.setAttribute(
          ATTR.jobIds,
          jobs.rows.map((r) => r.id),
        );
        const outcome = await this.send(envelope, fresh);
        span.setAttribute(ATTR.envelopeOutcome, outcome === 'pending' ? 'pending' : outcome.kind);
        return outcome === 'pending' ? 'pending' : outcome.settled;
      },
    );
  }

  /** The envelope's way to its outcome (see `process`). */
  private async send(envelope: EnvelopeRow, fresh: boolean): Promise<Outcome | 'pending'> {
    const settle = async (result: Extract<EnvelopeResult, { kind: 'applied' | 'void' }>) => ({
      kind: result.kind,
      settled: await this.settle(envelope, result),
    });
    if (!fresh) {
      const found = await this.lookup(envelope.hash);
      if (!found) return 'pending';
      if (found.kind === 'applied') return settle(found);
      const { refusal } = envelope;
      if (found.latestLedgerCloseTime > Number(envelope.valid_until)) {
        // Past its time bound on the ledger: void for good only if provably never applied.
        return this.voidIfProven(
          envelope,
          found,
          refusal
            ? { kind: 'void', cause: 'rejected', ...refusal }
            : envelope.try_again_later_at
              ? // Every send it got was answered TRY_AGAIN_LATER (by this or another instance): no attempt counted.
                { kind: 'void', cause: 'unsent', resultCode: RESULT_TRY_AGAIN_LATER, operations: [] }
              : { kind: 'void', cause: 'expired', resultCode: 'txTOO_LATE', operations: [] },
        );
      }
      // Refused before: wait for the time bound rather than send it again. Held: never sent again.
      if (refusal || envelope.status === 'indeterminate') return 'pending';
    }
    const tx = TransactionBuilder.fromXDR(envelope.envelope_xdr, this.deps.networkPassphrase) as Transaction;
    let result: EnvelopeResult;
    try {
      result = await this.deps.gateway.submit(tx, this.kind.label);
    } catch (error) {
      this.deps.log[isRpcUnreachable(error) ? 'debug' : 'warn'](
        { err: error, txHash: envelope.hash },
        'submission interrupted; will resume',
      );
      return 'pending';
    }
    await this.deps.hooks?.afterSend?.(envelope);
    if (result.kind === 'pending') {
      if (result.tryAgainLater) await this.backOff(envelope);
      return 'pending';
    }
    if (result.kind === 'void') {
      // Refused or expired: make sure no copy was applied meanwhile before any job is queued again.
      const found = await this.lookup(envelope.hash);
      if (!found) return 'pending';
      if (found.kind === 'applied') return settle(found);
      if (result.cause === 'rejected') {
        // A refused envelope is not void until its time bound passes: its jobs may go out next on another
        // channel, whose sequence number would not exclude a copy of this one resent meanwhile.
        await this.deps.pool.query(
          `UPDATE onchain_envelopes SET refusal = $2 WHERE hash = $1 AND status = 'submitted'`,
          [
            envelope.hash,
            JSON.stringify({
              resultCode: result.resultCode,
              operations: result.operations,
              diagnostics: result.diagnostics,
            }),
          ],
        );
        this.deps.log.warn(
          {
            txHash: envelope.hash,
            resultCode: result.resultCode,
            diagnostics: result.diagnostics,
            validUntil: Number(envelope.valid_until),
          },
          'envelope refused; its jobs wait for its time bound before a new envelope',
        );
        if (CHANNEL_FAULT_CODES.has(result.resultCode)) await this.setAside(envelope, result.resultCode);
        return 'pending';
      }
      return this.voidIfProven(envelope, found, result);
    }
    return settle(result);
  }

  /**
   * Settles `result` (void) only when the envelope provably can never be applied; otherwise holds it
   * as `indeterminate` (never voided, never rebuilt). Stellar-rpc keeps a bounded history, so its
   * NOT_FOUND is evidence only (1) when the source account's sequence number is still below the
   * envelope's, read after the ledger's close time passed the time bound (applying it would have set
   * the account's sequence to the envelope's, and past maxTime core refuses it with txTOO_LATE), or
   * (2) when the RPC's history reaches back to when the envelope was committed (with a clock-skew
   * margin): then it would hold the envelope had it been applied.
   */
  private async voidIfProven(
    envelope: EnvelopeRow,
    found: Extract<LookupResult, { kind: 'not_found' }>,
    result: Extract<EnvelopeResult, { kind: 'void' }>,
  ): Promise<Outcome | 'pending'> {
    // A stale answer (another RPC node behind): wait until the ledger is past the bound.
    if (!(found.latestLedgerCloseTime > Number(envelope.valid_until))) return 'pending';
    const proof = await this.neverApplied(envelope, found);
    if (proof === 'unknown') return 'pending';
    if (proof) return { kind: 'void', settled: await this.settle(envelope, result) };
    await this.hold(envelope, found);
    return { kind: 'indeterminate', settled: 0 };
  }

  /** True: never applied and never will be; false: cannot be proven; unknown: the RPC failed. */
  private async neverApplied(
    envelope: EnvelopeRow,
    found: Extract<LookupResult, { kind: 'not_found' }>,
  ): Promise<boolean | 'unknown'> {
    const tx = TransactionBuilder.fromXDR(envelope.envelope_xdr, this.deps.networkPassphrase) as Transaction;
    let sequence: bigint | undefined;
    try {
      // Read after the look-up that saw the ledger past the time bound (rule 1 needs that order).
      sequence = await this.deps.gateway.sequenceOf(tx.source);
    } catch (error) {
      this.deps.log[isRpcUnreachable(error) ? 'debug' : 'warn'](
        { err: error, txHash: envelope.hash, channel: tx.source },
        'source account look-up failed; will resume',
      );
      return 'unknown';
    }
    if (sequence !== undefined && sequence < BigInt(tx.sequence)) return true;
    const committed = Math.floor(new Date(envelope.created_at).getTime() / 1000);
    return (
      found.oldestLedgerCloseTime !== undefined && found.oldestLedgerCloseTime <= committed - HISTORY_CLOCK_SKEW_SECONDS
    );
  }

  /**
   * Holds an envelope whose outcome cannot be proven: `indeterminate`, its jobs stay `submitted` (never
   * rebatched), its channel is free again (past its time bound it cannot be applied any more). Logged
   * once (by the instance that holds it) at error: the operator looks the hash up elsewhere. Each
   * reconciler pass looks it up again (an RPC with a longer history settles it).
   */
  private async hold(envelope: EnvelopeRow, found: Extract<LookupResult, { kind: 'not_found' }>): Promise<void> {
    const held = await this.deps.pool.query(
      `UPDATE onchain_envelopes SET status = 'indeterminate' WHERE hash = $1 AND status = 'submitted'`,
      [envelope.hash],
    );
    if (held.rowCount !== 1) return;
    this.deps.signals?.channelsChanged();
    this.deps.log.error(
      {
        txHash: envelope.hash,
        channel: envelope.source,
        kind: this.kind.label,
        operations: envelope.operations,
        validUntil: Number(envelope.valid_until),
        oldestLedgerCloseTime: found.oldestLedgerCloseTime ?? null,
      },
      'envelope outcome indeterminate: the Stellar RPC has no record of it and its history does not cover it; its jobs are held (not voided, not rebuilt) — look the hash up in a history archive, Horizon or another RPC',
    );
  }

  /**
   * TRY_AGAIN_LATER (stellar-core's queue is full, nothing was queued): not a refusal. The envelope stays
   * in flight and is resent as is once the channel's backoff has passed, until its time bound; marked so
   * that expiring this way costs its jobs no attempt. Warned once per envelope.
   */
  private async backOff(envelope: EnvelopeRow): Promise<void> {
    const previous = this.congested.get(envelope.source);
    const delayMs = Math.min(MAX_CONGESTION_BACKOFF_MS, previous ? previous.delayMs * 2 : this.pollMs);
    this.congested.set(envelope.source, { until: Date.now() + delayMs, delayMs });
    const first = await this.deps.pool.query(
      `UPDATE onchain_envelopes SET try_again_later_at = now()
       WHERE hash = $1 AND status = 'submitted' AND try_again_later_at IS NULL`,
      [envelope.hash],
    );
    if (first.rowCount === 1) {
      this.deps.log.warn(
        {
          txHash: envelope.hash,
          channel: envelope.source,
          validUntil: Number(envelope.valid_until),
          retryInMs: delayMs,
        },
        'Stellar RPC answered TRY_AGAIN_LATER (congested, nothing queued); the identical envelope is resent after a backoff',
      );
    }
  }

  /**
   * The channel cannot pay for its envelopes (its own fault, not its jobs'): no instance builds a new
   * envelope on it for 30 s past the refused envelope's time bound, doubling with each refusal in a row up to 10 minutes (an applied envelope
   * of it resets that); its refused envelope's jobs go to the other channels without losing an attempt.
   */
  private async setAside(envelope: EnvelopeRow, resultCode: string): Promise<void> {
    const channel = envelope.source;
    // Counted from the refused envelope's time bound (its jobs are free only then), so the channel cannot take them back.
    const { rows } = await this.deps.pool.query<{ until: Date; strikes: number }>(
      `UPDATE onchain_channels SET set_aside_strikes = set_aside_strikes + 1, set_aside_reason = $2,
         set_aside_until = greatest(now(), to_timestamp($3)) + least(600, 30 * power(2, set_aside_strikes)) * interval '1 second'
       WHERE public_key = $1 RETURNING set_aside_until AS until, set_aside_strikes AS strikes`,
      [channel, resultCode, Number(envelope.valid_until)],
    );
    this.deps.signals?.channelsChanged();
    this.deps.log.warn(
      { channel, resultCode, setAsideUntil: rows[0]?.until.toISOString(), strikes: rows[0]?.strikes },
      'channel account set aside: it cannot pay for its envelopes; its jobs go out on the other channels — fund or fix it',
    );
  }

  private async lookup(hash: string): Promise<LookupResult | undefined> {
    try {
      return await this.deps.gateway.lookup(hash);
    } catch (error) {
      this.deps.log[isRpcUnreachable(error) ? 'debug' : 'warn'](
        { err: error, txHash: hash },
        'transaction look-up failed; will resume',
      );
      return undefined;
    }
  }

  /**
   * Commits the envelope's outcome and each of its jobs' transitions with their audit events, in one
   * transaction; only the first caller for this hash wins. Returns how many jobs settled.
   */
  private async settle(
    envelope: EnvelopeRow,
    result: Extract<EnvelopeResult, { kind: 'applied' | 'void' }>,
  ): Promise<number> {
    const ledger = result.kind === 'applied' ? result.ledger : null;
    const settled = await withTransaction(this.deps.pool, async (client) => {
      const won = await client.query(
        `UPDATE onchain_envelopes SET status = $2, successful = $3, ledger = $4, result_code = $5, settled_at = now()
         WHERE hash = $1 AND status IN ('submitted', 'indeterminate')`,
        [envelope.hash, result.kind, result.kind === 'applied' ? result.successful : null, ledger, result.resultCode],
      );
      if (won.rowCount !== 1) return [];
      const { rows } = await client.query<R & { status: 'submitted' }>(
        `SELECT * FROM ${this.kind.table} WHERE tx_hash = $1 AND status = 'submitted' ORDER BY op_index FOR UPDATE`,
        [envelope.hash],
      );
      const next = new Map(
        rows.map((row) => [row.id, transitionOf(result, row.op_index, row.attempts, this.maxAttempts)]),
      );
      return this.apply(client, envelope.hash, next);
    });
    if (result.kind === 'applied') {
      await this.deps.pool.query(
        `UPDATE onchain_channels SET set_aside_strikes = 0, set_aside_until = NULL, set_aside_reason = NULL
         WHERE public_key = $1 AND set_aside_strikes > 0`,
        [envelope.source],
      );
    }
    this.deps.signals?.channelsChanged();
    const confirmed = settled.filter((row) => row.status === 'confirmed').length;
    if (confirmed > 0 && ledger !== null) this.deps.signals?.operationsConfirmed(this.kind.label, ledger, confirmed);
    for (const row of settled) {
      this.deps.signals?.settled(this.kind.label, row.status as SettledStatus);
      this.kind.onSettled?.(row);
      for (const wake of this.waiters.get(row.id) ?? []) wake();
    }
    return settled.length;
  }

  /**
   * Applies each job's transition in one UPDATE (conditional on the job still being submitted with
   * this hash) and writes the settled jobs' audit events in one INSERT. Returns the settled rows.
   */
  private async apply(client: PoolClient, hash: string, next: ReadonlyMap<string, JobTransition>): Promise<R[]> {
    const ids = [...next.keys()];
    const transitions = [...next.values()];
    const { rows } = await client.query<R>(
      `UPDATE ${this.kind.table} AS j SET status = v.status, ledger = v.ledger, result_code = v.result_code,
         attempts = j.attempts - v.refund, updated_at = now()
       FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::int[]) AS v(id, status, ledger, result_code, refund)
       WHERE j.id = v.id AND j.status = 'submitted' AND j.tx_hash = $1
       RETURNING j.*`,
      [
        hash,
        ids,
        transitions.map((t) => t.to),
        transitions.map((t) => ('ledger' in t ? t.ledger : null)),
        transitions.map((t) => (t.to === 'confirmed' ? null : t.resultCode)),
        transitions.map((t) => (t.to === 'requested' && !t.counted ? 1 : 0)),
      ],
    );
    const events: AuditInput[] = [];
    const settled: R[] = [];
    for (const row of [...rows].sort((x, y) => Number(x.op_index) - Number(y.op_index))) {
      const t = next.get(row.id);
      if (!t) continue;
      if (t.to === 'requested') {
        this.deps.log.info(
          { [this.kind.resource]: row.id, txHash: hash, opIndex: row.op_index, resultCode: t.resultCode },
          t.counted
            ? 'envelope void; job queued for a new envelope'
            : 'batch failed on another operation; job re-batched',
        );
        continue;
      }
      const confirmed = t.to === 'confirmed';
      settled.push(row);
      events.push(
        this.event(
          row,
          confirmed ? this.kind.events.confirmed : this.kind.events.failed,
          confirmed ? 'success' : 'failure',
          confirmed ? 'confirm' : t.to === 'expired' ? 'expire' : 'fail',
          {
            txHash: hash,
            reason: confirmed ? null : t.to === 'expired' ? 'expired' : t.resultCode,
            metadata: { ledger: t.ledger, attempts: row.attempts, opIndex: row.op_index },
          },
        ),
      );
    }
    if (events.length > 0) await this.deps.audit.writeMany(client, events);
    return settled;
  }

  /** One audit event about `row`, with the kind's fields and the client of the request that started it. */
  private event(
    row: R,
    event: string,
    result: 'success' | 'failure',
    action: string,
    extra: Partial<AuditInput>,
  ): AuditInput {
    const kindFields = this.kind.auditFields(row);
    return {
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
    };
  }
}
