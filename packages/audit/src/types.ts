import type { AuditEventNames } from './event-names';
/** Outcome of the audited action. */
export type AuditResult = 'success' | 'failure';

/** Metadata values: JSON, sanitised and bounded before they are stored. */
export type AuditMetadata = Record<string, unknown>;

/** What a caller passes to `write`. Strings are trimmed to bounds and redacted. */
export interface AuditEventInput {
  /** Event name, lower snake_case, e.g. `order_placed` or a security event (`AUDIT_EVENTS`). */
  event: string;
  result: AuditResult;
  userId?: string | null;
  /** A Stellar public key (`G…`, or muxed `M…`); a secret seed is refused. */
  stellarAddress?: string | null;
  /** What was acted on, e.g. `reward_claim`. */
  resource?: string | null;
  resourceId?: string | null;
  /** The verb, e.g. `create`, `submit`, `login`. */
  action?: string | null;
  /** Short failure code, e.g. `invalid_signature`. */
  reason?: string | null;
  /** Stellar transaction hash, 64 hex characters. */
  txHash?: string | null;
  /** Exact decimal amount (string, bigint or safe number), at most 7 decimals as on Stellar. */
  amount?: string | number | bigint | null;
  metadata?: AuditMetadata | null;
  /** Client IP (v4 or v6). */
  ip?: string | null;
  userAgent?: string | null;
  /** Defaults to the active OpenTelemetry span's ids. */
  traceId?: string | null;
  spanId?: string | null;
  /** Defaults to now. */
  createdAt?: Date;
}

/** A validated, redacted event: what is stored and logged. */
export interface AuditEvent {
  /** Random UUID; the same in the row and in the log line. */
  eventId: string;
  schemaVersion: number;
  event: string;
  result: AuditResult;
  userId: string | null;
  stellarAddress: string | null;
  resource: string | null;
  resourceId: string | null;
  action: string | null;
  reason: string | null;
  txHash: string | null;
  /** Canonical decimal string. */
  amount: string | null;
  metadata: AuditMetadata;
  ip: string | null;
  userAgent: string | null;
  traceId: string | null;
  spanId: string | null;
  /** UTC. */
  createdAt: Date;
}

/** Anything with pg's `query(text, values)`: a `Client`, a `PoolClient` or a `Pool`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount?: number | null }>;
}

/** The part of a pino logger the audit writer uses. */
export interface AuditLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
}

export interface AuditWriterOptions {
  /** pino logger; each event becomes one line with `event.dataset: "audit"`. Omit to write rows only. */
  logger?: AuditLogger;
  /** Schema of `audit_events`; default: the connection's search_path. */
  schema?: string;
  /** Log message of audit lines (default `audit`). */
  message?: string;
  /**
   * Insert through a named prepared statement (default true; pg's
   * `query({ name, text, values })`). Set false behind PgBouncer in
   * transaction mode before 1.21, or for a client without that form.
   */
  prepare?: boolean;
  /**
   * The service's own event names (a list, or an object of constants whose values are the names).
   * When given, `write`/`writeMany`/`log` accept only these and the security events (`AUDIT_EVENTS`)
   * and throw `AuditError` `AUDIT_ERR_UNKNOWN_EVENT` for any other name, so a typo never reaches the
   * trail. Default: any well-formed name is accepted.
   */
  events?: AuditEventNames;
}

export interface AuditWriter {
  /**
   * Validates and redacts the event, inserts it with `client` (inside the
   * caller's transaction, so the row commits or rolls back with it), then
   * writes the log copy. Throws `AuditError` (AUDIT_ERR_INVALID_EVENT) on a
   * malformed event and rethrows database errors.
   */
  write(client: Queryable, event: AuditEventInput): Promise<AuditEvent>;
  /** Like `write` for several events in one INSERT (rows in array order; all or none). */
  writeMany(client: Queryable, events: AuditEventInput[]): Promise<AuditEvent[]>;
  /** Writes only the log line (no row), e.g. for events outside any transaction. */
  log(event: AuditEventInput): AuditEvent;
}

export interface MigrateOptions {
  /** Target schema (created if missing); default: the connection's current schema. */
  schema?: string;
}

export interface MigrateResult {
  schema: string;
  /** Versions applied by this call (empty when already up to date). */
  applied: number[];
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface SealOptions {
  schema?: string;
  /** Rows sealed per statement (default 1000). */
  batchSize?: number;
  /** HMAC key: without it a database superuser can recompute the chain. */
  key?: string | Buffer;
  /** Return at once when another process is sealing (default false: wait). */
  skipIfBusy?: boolean;
  /** Logs the new chain head (an external anchor for the latest hash). */
  logger?: AuditLogger;
  /**
   * Longest wait for the seal lock, ms, when not `skipIfBusy` (default: no
   * limit). A pass that waits longer fails with PostgreSQL's lock_timeout error.
   */
  lockTimeoutMs?: number;
}

export interface SealResult {
  sealed: number;
  head: ChainHead | null;
  /** True when skipped because another sealer held the lock. */
  busy: boolean;
}

export interface SealerOptions extends SealOptions {
  /** Milliseconds between sealing passes (default 1000). */
  intervalMs?: number;
  /** Called when a pass fails; the sealer keeps running. */
  onError?: (error: unknown) => void;
  /**
   * Grace (seconds) reported by `health()` and used for the backlog read
   * (default `DEFAULT_UNSEALED_GRACE_SECONDS`).
   */
  graceSeconds?: number;
}

export interface AuditSealer {
  /** Runs one pass now (waits for the lock; counted in `health()`). */
  sealNow(): Promise<SealResult>;
  /**
   * Stops the timer and waits for a running pass. With `{ seal: true }` runs
   * one last pass (what committed before shutdown gets sealed); a failure of
   * that pass is counted and returned, never thrown.
   */
  stop(options?: { seal?: boolean }): Promise<SealResult | null>;
  /** Sealing health after the last pass. */
  health(): SealerHealth;
}

export interface VerifyOptions {
  schema?: string;
  /** Start at this chain position, event id (`id`), or time (Date / ISO string). */
  from?: number | Date | string;
  to?: number | Date | string;
  /** The HMAC key the sealer used. */
  key?: string | Buffer;
  /** The head recorded elsewhere (e.g. a sealer log line): detects a truncated tail. */
  anchor?: ChainHead;
  /**
   * Seconds a row may stay unsealed before verify fails (default 60,
   * `DEFAULT_UNSEALED_GRACE_SECONDS`); `Infinity` never fails on unsealed rows.
   */
  graceSeconds?: number;
}

export interface BrokenRow {
  /** Position in the chain. */
  seq: number;
  /** `audit_events.id`, when known. */
  id: number | null;
  eventId: string | null;
  reason: string;
}

/** A row not sealed yet. */
export interface UnsealedRow {
  /** `audit_events.id`. */
  id: number;
  eventId: string;
  createdAt: Date;
  /** Seconds since `createdAt`, on the database clock (never negative). */
  ageSeconds: number;
}

/** What waits for the sealer (`readAuditBacklog`). */
export interface AuditBacklog {
  /** Rows after the chain head. */
  unsealed: number;
  /** Of those, rows created more than `graceSeconds` ago. */
  pastGrace: number;
  graceSeconds: number;
  /** The oldest unsealed row, or null when everything is sealed. */
  oldest: UnsealedRow | null;
}

/** A running sealer's health, for metrics and readiness (`AuditSealer.health()`). */
export interface SealerHealth {
  /** Unsealed rows after the last pass (-1 before the first backlog read). */
  unsealedRows: number;
  /** Age of the oldest unsealed row after the last pass, seconds (0 when none). */
  oldestUnsealedAgeSeconds: number;
  /** When this process last completed a pass under the lock (everything below the snapshot xmin sealed). */
  lastSuccessAt: Date | null;
  /** Passes that failed (database error, lock wait timed out). */
  failures: number;
  /** Rows sealed by this process. */
  sealed: number;
}

export interface VerifyResult {
  /** True when the chain is intact and no row stayed unsealed past the grace. */
  ok: boolean;
  /** Chain rows checked. */
  checked: number;
  /** Rows not sealed yet (not covered by the check). */
  unsealed: number;
  /** Unsealed rows older than the grace: the sealer is not running or is held back. */
  pastGrace: number;
  graceSeconds: number;
  /** The oldest unsealed row (null when none). */
  oldestUnsealed: UnsealedRow | null;
  head: ChainHead | null;
  firstBroken: BrokenRow | null;
}

/** A snapshot of the process-wide counters. */
export interface AuditStats {
  written: { postgres: number; log: number };
  failures: { postgres: number; log: number; validation: number };
}

/** The shape `@app/metrics` `registerCounterSource(registry, source)` takes. */
export interface CounterSource {
  name: string;
  help: string;
  labelNames: string[];
  read(): { labels: Record<string, string>; value: number }[];
}

/** A gauge read at scrape time: `{ name, help, read() }` (the value in the metric's base unit). */
export interface GaugeSource {
  name: string;
  help: string;
  read(): number;
}
