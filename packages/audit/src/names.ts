/**
 * Every name this package puts on the outside: tables, event names and counter
 * names. Log field names live in `log-fields.ts` so other packages can import
 * them without loading the writers.
 */

/** Version of the `AuditEvent` shape; stored in every row and log line. */
export const AUDIT_SCHEMA_VERSION = 1;

/** The table that holds the events (the record). */
export const EVENTS_TABLE = 'audit_events';
/** The append-only hash chain over sealed events. */
export const CHAIN_TABLE = 'audit_chain';
/** Migrations applied to a schema. */
export const MIGRATIONS_TABLE = 'audit_schema_migrations';

/**
 * Security event names from the OWASP Logging Vocabulary, written by `securityEvents` and always
 * accepted by a writer. A service's own (business) event names belong to the service: it passes them
 * to `createAuditWriter({ events })`.
 */
export const AUDIT_EVENTS = {
  AUTHN_LOGIN_SUCCESS: 'authn_login_success',
  AUTHN_LOGIN_FAIL: 'authn_login_fail',
  AUTHN_TOKEN_CREATED: 'authn_token_created',
  /** A request to a protected resource carried no usable token (missing, malformed, expired, forged, unsigned). */
  AUTHN_TOKEN_INVALID: 'authn_token_invalid',
  AUTHZ_FAIL: 'authz_fail',
  EXCESS_RATE_LIMIT_EXCEEDED: 'excess_rate_limit_exceeded',
  INPUT_VALIDATION_FAIL: 'input_validation_fail',
} as const;

/** Pattern every event name matches: lower case, starts with a letter, at most 64 characters. */
export const EVENT_NAME_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;

/** Counter names offered to `@app/metrics` (`registerCounterSource`). */
export const COUNTER_EVENTS_WRITTEN = 'audit_events_written_total';
export const COUNTER_WRITE_FAILURES = 'audit_write_failures_total';
/**
 * Sealing health, read from a running sealer (`auditSealerSources`). Alert on them:
 * rows waiting, how old the oldest waiting row is, when this instance last
 * completed a pass under the lock, and how many passes failed.
 */
export const GAUGE_UNSEALED_ROWS = 'audit_unsealed_rows';
export const GAUGE_OLDEST_UNSEALED_AGE = 'audit_oldest_unsealed_age_seconds';
export const GAUGE_SEAL_LAST_SUCCESS = 'audit_seal_last_success_timestamp_seconds';
export const COUNTER_SEAL_FAILURES = 'audit_seal_failures_total';

/** Default grace (seconds) before `verify` fails on a row still unsealed. */
export const DEFAULT_UNSEALED_GRACE_SECONDS = 60;

/** Label on both counters: where the event went (`postgres` or `log`), or `validation`. */
export const LABEL_SINK = 'sink';

/** Prefix of the advisory-lock keys this package takes (per schema). */
export const LOCK_MIGRATE = 'app_audit:migrate:';
export const LOCK_SEAL = 'app_audit:seal:';

/** Columns the writer fills, in insert order (the seed's fields in snake_case). */
export const EVENT_COLUMNS = [
  'event_id',
  'schema_version',
  'event',
  'result',
  'user_id',
  'stellar_address',
  'resource',
  'resource_id',
  'action',
  'reason',
  'tx_hash',
  'amount',
  'metadata',
  'ip',
  'user_agent',
  'trace_id',
  'span_id',
  'created_at',
] as const;
