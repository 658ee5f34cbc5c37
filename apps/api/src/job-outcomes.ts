import { Client, type Pool } from 'pg';

/**
 * Learns which on-chain jobs other instances settled, so that requests waiting here for their
 * outcome (`POST /rewards/claims`, `POST /credentials`, up to `CLAIM_WAIT_MS`) are woken at once
 * instead of at the machine's next shared look-up (`OnchainJobs.awaitSettled`, every
 * `STELLAR_POLL_INTERVAL_MS`, which stays as the fallback for a lost notification).
 *
 * Migration 006's trigger sends `NOTIFY onchain_job_settled, '<table>:<job id>'` in the transaction
 * that settles a job (delivered at commit, to every listening session of the database). Each
 * instance LISTENs on ONE dedicated PostgreSQL connection (made with its pool's settings, outside the
 * pool). When that connection drops (PostgreSQL restarted, a proxy cut it) it is reconnected with
 * exponential backoff: one warning when lost, debug lines while retrying, one info line when back.
 */

/** The notification channel migration 006's trigger sends on (payload `<table>:<job id>`). */
export const JOB_SETTLED_CHANNEL = 'onchain_job_settled';

/** The job tables whose settlements are announced. */
export type JobTable = 'reward_claims' | 'credentials';
const TABLES: ReadonlySet<string> = new Set<JobTable>(['reward_claims', 'credentials']);

export interface SettlementListenerOptions {
  /** Its connection settings (`pool.options`) are used for the dedicated connection. */
  pool: Pool;
  /** Called for every announced settlement (of any instance, this one included). */
  onSettled(table: JobTable, id: string): void;
  /** First reconnect after this many ms, doubling up to `maxDelayMs`; default 500. */
  initialDelayMs?: number;
  /** Longest pause between two reconnect attempts; default 30000. */
  maxDelayMs?: number;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    debug(obj: object, msg: string): void;
  };
  /** Log level of a PostgreSQL failure (`fastify.dbHealth.failed`: debug when an outage was already reported); default warn. */
  failedLevel?(error: unknown): 'debug' | 'warn';
}

export interface SettlementListener {
  /** Whether the LISTEN connection is up. */
  readonly listening: boolean;
  /** Ends the connection and stops reconnecting. */
  close(): Promise<void>;
}

/** Connects at once and LISTENs on {@link JOB_SETTLED_CHANNEL}; never throws (failures are logged and retried). */
export function createSettlementListener(options: SettlementListenerOptions): SettlementListener {
  const { pool, log } = options;
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const failedLevel = options.failedLevel ?? (() => 'warn' as const);
  let closed = false;
  let client: Client | undefined;
  let listening = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let lost: { since: number; attempts: number; warned: boolean } | undefined;

  const onNotification = (message: { channel: string; payload?: string }) => {
    if (message.channel !== JOB_SETTLED_CHANNEL || !message.payload) return;
    const at = message.payload.indexOf(':');
    const table = message.payload.slice(0, at);
    if (at > 0 && TABLES.has(table)) options.onSettled(table as JobTable, message.payload.slice(at + 1));
  };

  const failed = (error: unknown) => {
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
      `PostgreSQL notification connection (LISTEN ${JOB_SETTLED_CHANNEL}) unavailable: requests waiting for jobs other instances settle learn it at the next poll (STELLAR_POLL_INTERVAL_MS) meanwhile; reconnecting with backoff (up to ${maxDelayMs / 1000} s)`,
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
      if (client === next) failed(error);
    });
    next.on('end', () => {
      if (client === next && !closed) failed(new Error('connection ended'));
    });
    next.on('notification', onNotification);
    try {
      await next.connect();
      await next.query(`LISTEN ${JOB_SETTLED_CHANNEL}`);
    } catch (error) {
      if (client === next) failed(error);
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
    }
  };

  void connect();

  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      const last = client;
      client = undefined;
      listening = false;
      await last?.end().catch(() => undefined);
    },
  };
}
