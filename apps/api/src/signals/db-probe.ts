import type { Pool } from 'pg';
import type { DbHealth } from '../db/health';
import type { JobKindLabel } from '../names';
import type { ServiceMetrics } from '../service-metrics';

/** Options of {@link startDbProbe}. */
export interface DbProbeOptions {
  pool: Pool;
  metrics: ServiceMetrics;
  /** Period of the check, in ms (config `SIGNALS_INTERVAL_MS`, default 5000). */
  intervalMs: number;
  /** A `SELECT 1` slower than this counts as down, in ms. Default: 3000. */
  timeoutMs?: number;
  log: { warn(obj: object, msg?: string): void; debug(obj: object, msg?: string): void };
  /** Told of each check's outcome: it writes the one outage warning and the recovery line. */
  health?: Pick<DbHealth, 'failed' | 'succeeded'>;
  /** The transaction sources (channel accounts) whose in-flight state to report; read at each refresh. */
  channels?: () => readonly string[];
}

/** A running probe. */
export interface DbProbe {
  /**
   * Reads the job backlog and the channels' in-flight state now (after a job settled or an envelope
   * committed), so the gauges do not lag a whole interval. Calls while a read runs share one more read.
   */
  refresh(): Promise<void>;
  /** Stops the timer; resolves when a running check has finished. */
  stop(): Promise<void>;
}

/** The job tables and the `kind` label each one reports under. */
const JOB_TABLES: ReadonlyArray<{ table: string; kind: JobKindLabel }> = [
  { table: 'reward_claims', kind: 'reward_payout' },
  { table: 'credentials', kind: 'credential_mint' },
];

// Uses the partial indexes on (created_at) WHERE status IN ('requested', 'submitted'): cheap at any table size.
const BACKLOG_SQL = JOB_TABLES.map(
  ({ table, kind }) =>
    `SELECT '${kind}' AS kind, status, count(*)::int AS n,
       coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age
     FROM ${table} WHERE status IN ('requested', 'submitted') GROUP BY status`,
).join('\nUNION ALL\n');

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

// Uses the partial index on (kind) WHERE status = 'indeterminate' (migration 007).
const INDETERMINATE_SQL = `SELECT kind, count(*)::int AS n FROM onchain_envelopes WHERE status = 'indeterminate' GROUP BY kind`;

const SET_ASIDE_SQL = `SELECT public_key FROM onchain_channels WHERE public_key = ANY($1) AND set_aside_until > now()`;

const CHANNELS_SQL = `SELECT source, min(created_at) AS since FROM onchain_envelopes
  WHERE status = 'submitted' AND source = ANY($1) GROUP BY source`;

/**
 * Every `intervalMs`: `SELECT 1` sets `db_up`, then one query over the two job tables sets
 * `onchain_jobs_waiting` and `onchain_job_oldest_waiting_age_seconds`, one counts the envelopes held
 * indeterminate (`onchain_envelopes_indeterminate`), and one over the in-flight
 * envelopes sets `onchain_channel_in_flight` (all kept at their last values while the database is
 * down). Runs once at once; never overlaps itself.
 */
export function startDbProbe(options: DbProbeOptions): DbProbe {
  const { pool, metrics, intervalMs, log } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wasUp = true;
  const check = async () => {
    try {
      await within(timeoutMs, pool.query('SELECT 1'));
    } catch (error) {
      metrics.databaseUp(false);
      const level = options.health?.failed(error) ?? 'warn';
      if (wasUp || level === 'warn') log[level]({ err: error }, 'database check failed: db_up 0');
      wasUp = false;
      return;
    }
    metrics.databaseUp(true);
    options.health?.succeeded();
    wasUp = true;
    await readBacklog();
  };
  const readBacklog = async () => {
    const { rows } = await within(
      timeoutMs,
      pool.query<{ kind: JobKindLabel; status: 'requested' | 'submitted'; n: number; age: number }>(BACKLOG_SQL),
    );
    const held = await within(timeoutMs, pool.query<{ kind: JobKindLabel; n: number }>(INDETERMINATE_SQL));
    for (const { kind } of JOB_TABLES) {
      const mine = rows.filter((row) => row.kind === kind);
      metrics.jobBacklog({
        kind,
        waiting: Object.fromEntries(mine.map((row) => [row.status, row.n])),
        oldestAgeSeconds: Math.max(0, ...mine.map((row) => row.age)),
        indeterminateEnvelopes: held.rows.find((row) => row.kind === kind)?.n ?? 0,
      });
    }
    const channels = options.channels?.() ?? [];
    const inFlight = await within(timeoutMs, pool.query<{ source: string; since: Date }>(CHANNELS_SQL, [channels]));
    const since = new Map(inFlight.rows.map((row) => [row.source, row.since]));
    const aside = await within(timeoutMs, pool.query<{ public_key: string }>(SET_ASIDE_SQL, [channels]));
    const setAside = new Set(aside.rows.map((row) => row.public_key));
    metrics.channelState(
      channels.map((channel) => ({ channel, since: since.get(channel), setAside: setAside.has(channel) })),
    );
  };
  let reading: Promise<void> | undefined;
  let again = false;
  const refresh = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        await readBacklog().catch((error: unknown) =>
          log[options.health?.failed(error) ?? 'warn']({ err: error }, 'job backlog query failed'),
        );
      } while (again && !stopped);
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = check()
      .catch((error: unknown) =>
        log[options.health?.failed(error) ?? 'warn']({ err: error }, 'job backlog query failed'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    refresh,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await reading;
    },
  };
}
