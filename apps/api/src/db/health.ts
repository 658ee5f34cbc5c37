import type { Pool } from 'pg';

/**
 * PostgreSQL as a dependency, for operator messages as `plugins/redis.ts` and
 * `stellar/rpc-health.ts` write them: one warning naming the database's address and the cause when
 * it becomes unreachable (whoever notices first: a request, the sealer, the reconciler, the probe),
 * one info line when the periodic `SELECT 1` (signals/db-probe.ts) answers again. In between, the
 * lines of each failed attempt are debug (`logLevel(error)`).
 */

/** Socket and PostgreSQL error codes that mean "the database cannot be reached" (not a bad query). */
const DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** admin_shutdown, cannot_connect_now, connection_failure, sqlclient_unable_to_establish_sqlconnection. */
const PG_DOWN_SQLSTATES = new Set(['57P01', '57P03', '08006', '08001']);

/** Whether `error` means PostgreSQL could not be reached (connection refused, lost, timed out, shutting down). */
export function isDatabaseDown(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (DOWN_CODES.has(code) || PG_DOWN_SQLSTATES.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/** `postgresql://host:port/database` of a pool: never the user's password. */
export function databaseAddress(pool: Pool): string {
  const { host, port, database, connectionString } = pool.options as {
    host?: string;
    port?: number;
    database?: string;
    connectionString?: string;
  };
  if (connectionString) {
    try {
      const url = new URL(connectionString);
      return `postgresql://${url.hostname}:${url.port || 5432}${url.pathname === '/' ? '' : url.pathname}`;
    } catch {
      return 'postgresql (unparsable connection string)';
    }
  }
  return `postgresql://${host ?? process.env.PGHOST ?? '127.0.0.1'}:${port ?? process.env.PGPORT ?? 5432}/${database ?? process.env.PGDATABASE ?? ''}`;
}

function cause(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/** The database's reachability as this process sees it. */
export interface DbHealth {
  /** `postgresql://host:port/database` (no credentials). */
  readonly address: string;
  readonly reachable: boolean;
  /**
   * Reports a failure seen anywhere: when it is an outage ({@link isDatabaseDown}) and the first
   * one, writes the one warning. Returns the level the caller should log its own line at: `debug`
   * for an outage (already said once), `warn` for anything else.
   */
  failed(error: unknown): 'debug' | 'warn';
  /** Reports a successful check: after an outage, writes the one recovery line. */
  succeeded(): void;
}

/** A monitor of `pool`'s database writing to `log`. */
export function createDbHealth(
  pool: Pool,
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void },
  /** How often the probe checks again (`SIGNALS_INTERVAL_MS`), for the message. */
  checkEveryMs: number,
): DbHealth {
  const address = databaseAddress(pool);
  let downSince: number | null = null;
  return {
    address,
    get reachable() {
      return downSince === null;
    },
    failed(error) {
      if (!isDatabaseDown(error)) return 'warn';
      if (downSince === null) {
        downSince = Date.now();
        const reason = cause(error);
        log.warn(
          { 'server.address': address, 'error.code': reason },
          `PostgreSQL at ${address} unreachable (${reason}): requests answer 503 API_ERR_DATABASE_UNAVAILABLE, payouts and audit sealing wait; checking again every ${checkEveryMs / 1000} s`,
        );
      }
      return 'debug';
    },
    succeeded() {
      if (downSince === null) return;
      const seconds = Math.round((Date.now() - downSince) / 100) / 10;
      downSince = null;
      log.info(
        { 'server.address': address, 'event.duration_s': seconds },
        `PostgreSQL at ${address} reachable again after ${seconds} s`,
      );
    },
  };
}
