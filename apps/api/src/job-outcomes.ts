import { Client, type Pool } from 'pg';
import type { JobKind, JobRow } from './stellar/onchain-jobs';

/**
 * Wakes requests waiting for an on-chain job's outcome (`POST /rewards/claims`, `POST /credentials`,
 * up to `CLAIM_WAIT_MS`) when the job settles, instead of each request polling its row:
 *
 * - in this process: the machine's `onSettled` hook (see {@link notifyOnSettled}) wakes them right
 *   after the outcome committed;
 * - on other instances: migration 006's trigger sends `NOTIFY onchain_job_settled, '<table>:<id>'`
 *   in the transaction that settles the job (delivered at commit); each instance LISTENs on ONE
 *   dedicated PostgreSQL connection (not a pool connection). When that connection drops it is
 *   reconnected with exponential backoff (one warning when lost, one info line when back);
 * - fallback, in case a notification is lost: while anyone waits, ONE query per job table every
 *   `sweepMs` (default 2000) reads which of the awaited jobs have settled, whatever the number of
 *   waiting requests.
 *
 * A waiter never queries the RPC or its row in a loop: it sleeps until woken or its time is up.
 */

/** The notification channel migration 006's trigger sends on (payload `<table>:<job id>`). */
export const JOB_SETTLED_CHANNEL = 'onchain_job_settled';

/** The job tables whose settlement can be awaited. */
export type JobTable = 'reward_claims' | 'credentials';
const TABLES: ReadonlySet<string> = new Set<JobTable>(['reward_claims', 'credentials']);

export interface JobOutcomesOptions {
  pool: Pool;
  /**
   * LISTEN for other instances' settlements on a dedicated connection (made with the pool's own
   * connection settings). Off for the embedded PGlite (one process, one session): then only this
   * process's settlements and the sweep wake waiters.
   */
  listen: boolean;
  /** Fallback sweep period in ms while anyone waits; default 2000. */
  sweepMs?: number;
  /** First reconnect after this many ms, doubling up to `maxDelayMs`; default 500. */
  initialDelayMs?: number;
  /** Longest pause between two reconnect attempts; default 30000. */
  maxDelayMs?: number;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    debug(obj: object, msg: string): void;
  };
  /** Log level of a PostgreSQL failure (`fastify.dbHealth.failed`: debug when an outage was already reported). */
  failedLevel?(error: unknown): 'debug' | 'warn';
}

export interface JobOutcomes {
  /**
   * Resolves `true` once job `id` of `table` settled (confirmed, failed or expired) as this process
   * learns it (own settlement, notification or sweep), `false` after `ms` without news. Never rejects.
   */
  wait(table: JobTable, id: string, ms: number): Promise<boolean>;
  /** Job `id` of `table` settled (committed): wakes its waiters in this process. */
  settled(table: JobTable, id: string): void;
  /** Whether the LISTEN connection is up (false when `listen` is off). */
  readonly listening: boolean;
  /** Requests waiting right now. */
  readonly waiting: number;
  /** Ends the LISTEN connection and the sweep; pending waits resolve `false`. */
  close(): Promise<void>;
}

export function createJobOutcomes(options: JobOutcomesOptions): JobOutcomes {
  const { pool, log } = options;
  const sweepMs = options.sweepMs ?? 2000;
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const failedLevel = options.failedLevel ?? (() => 'warn' as const);
  /** `<table>:<id>` → the wake functions of its waiters. */
  const waiters = new Map<string, Set<(settled: boolean) => void>>();
  let count = 0;
  let closed = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping = false;

  const wake = (key: string) => {
    const set = waiters.get(key);
    if (!set) return;
    waiters.delete(key);
    for (const resolve of set) resolve(true);
  };

  const sweep = async () => {
    if (sweeping || waiters.size === 0) return;
    sweeping = true;
    try {
      const byTable = new Map<string, string[]>();
      for (const key of waiters.keys()) {
        const at = key.indexOf(':');
        const table = key.slice(0, at);
        byTable.set(table, [...(byTable.get(table) ?? []), key.slice(at + 1)]);
      }
      for (const [table, ids] of byTable) {
        if (!TABLES.has(table)) continue;
        const { rows } = await pool.query<{ id: string }>(
          `SELECT id FROM ${table} WHERE id = ANY($1::uuid[]) AND status IN ('confirmed', 'failed', 'expired')`,
          [ids],
        );
        for (const row of rows) wake(`${table}:${row.id}`);
      }
    } catch (error) {
      log[failedLevel(error)]({ err: error }, 'could not read the outcome of waiting jobs; will retry');
    } finally {
      sweeping = false;
    }
  };

  const scheduleSweep = () => {
    if (sweepTimer || closed || waiters.size === 0) return;
    sweepTimer = setTimeout(() => {
      sweepTimer = undefined;
      void sweep().finally(scheduleSweep);
    }, sweepMs);
    sweepTimer.unref();
  };

  // The LISTEN connection.
  let client: Client | undefined;
  let listening = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let lost: { since: number; attempts: number; warned: boolean } | undefined;

  const onNotification = (message: { channel: string; payload?: string }) => {
    if (message.channel !== JOB_SETTLED_CHANNEL || !message.payload) return;
    wake(message.payload);
  };

  const connectionFailed = (error: unknown) => {
    listening = false;
    const old = client;
    client = undefined;
    old?.removeAllListeners('notification');
    old?.end().catch(() => undefined);
    if (closed) return;
    lost ??= { since: Date.now(), attempts: 0, warned: false };
    lost.attempts += 1;
    const delayMs = Math.min(initialDelayMs * 2 ** (lost.attempts - 1), maxDelayMs);
    const level = lost.warned ? 'debug' : failedLevel(error);
    if (level === 'warn') lost.warned = true;
    log[level](
      { err: error, attempt: lost.attempts, 'retry.delay_ms': delayMs },
      `PostgreSQL notification connection (LISTEN ${JOB_SETTLED_CHANNEL}) unavailable: waiting claim/mint requests of other instances' jobs are woken by a ${sweepMs} ms poll meanwhile; reconnecting with backoff (up to ${maxDelayMs / 1000} s)`,
    );
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => void connect(), delayMs);
    reconnectTimer.unref();
  };

  const connect = async () => {
    if (closed || client) return;
    const next = new Client(pool.options);
    client = next;
    next.on('error', (error) => {
      if (client === next) connectionFailed(error);
    });
    next.on('end', () => {
      if (client === next && !closed) connectionFailed(new Error('connection ended'));
    });
    next.on('notification', onNotification);
    try {
      await next.connect();
      await next.query(`LISTEN ${JOB_SETTLED_CHANNEL}`);
    } catch (error) {
      if (client === next) connectionFailed(error);
      return;
    }
    if (client !== next || closed) return;
    listening = true;
    if (lost) {
      const seconds = Math.round((Date.now() - lost.since) / 100) / 10;
      (lost.warned ? log.info : log.debug).call(
        log,
        { 'event.duration_s': seconds },
        `PostgreSQL notification connection (LISTEN ${JOB_SETTLED_CHANNEL}) back after ${seconds} s`,
      );
      lost = undefined;
      // Settlements notified while it was down are lost: read them now.
      void sweep();
    }
  };

  if (options.listen) void connect();

  return {
    wait(table, id, ms) {
      if (closed || ms <= 0) return Promise.resolve(false);
      const key = `${table}:${id}`;
      return new Promise<boolean>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (settled: boolean) => {
          clearTimeout(timer);
          count -= 1;
          resolve(settled);
        };
        timer = setTimeout(() => {
          const set = waiters.get(key);
          set?.delete(done);
          if (set?.size === 0) waiters.delete(key);
          done(false);
        }, ms);
        count += 1;
        const set = waiters.get(key) ?? new Set();
        set.add(done);
        waiters.set(key, set);
        scheduleSweep();
      });
    },
    settled(table, id) {
      wake(`${table}:${id}`);
    },
    get listening() {
      return listening;
    },
    get waiting() {
      return count;
    },
    async close() {
      closed = true;
      clearTimeout(sweepTimer);
      clearTimeout(reconnectTimer);
      for (const [key, set] of [...waiters]) {
        waiters.delete(key);
        for (const resolve of set) resolve(false);
      }
      const last = client;
      client = undefined;
      listening = false;
      await last?.end().catch(() => undefined);
    },
  };
}

/**
 * The same job kind, whose `onSettled` also wakes this process's waiters of the settled job
 * (after the kind's own hook). The machine calls `onSettled` once per job, after the commit.
 */
export function notifyOnSettled<R extends JobRow>(kind: JobKind<R>, outcomes: JobOutcomes): JobKind<R> {
  const own = kind.onSettled;
  return {
    ...kind,
    onSettled(row) {
      own?.(row);
      outcomes.settled(kind.table, row.id);
    },
  };
}
