export { GENESIS_HASH } from './chain';
export type { AuditErrorCode } from './errors';
export { AUDIT_ERROR_CODES, AuditError } from './errors';
export type { AuditEventNames } from './event-names';
export { registeredEventNames } from './event-names';
export type { LogFieldName, LogFieldsInput } from './log-fields';
export { LOG_FIELDS, logFields } from './log-fields';
export { MIGRATIONS_DIR, migrateAuditSchema } from './migrate';
export {
  AUDIT_EVENTS,
  AUDIT_SCHEMA_VERSION,
  CHAIN_TABLE,
  COUNTER_EVENTS_WRITTEN,
  COUNTER_WRITE_FAILURES,
  EVENT_COLUMNS,
  EVENT_NAME_PATTERN,
  EVENTS_TABLE,
} from './names';
export { auditLogLine } from './pino-writer';
export { isSecretKey, LIMITS, REDACTED, redactSecrets, redactUrl, sanitizeMetadata, sanitizeString } from './redact';
export { sealAuditChain, startAuditSealer } from './seal';
export type { AuthzFailContext, FailureContext, RateLimitContext, SecurityContext } from './security-events';
export { securityEvents } from './security-events';
export { auditCounterSources, getAuditStats } from './stats';
export { activeTraceIds, traceLogFields } from './trace-context';
export type {
  AuditEvent,
  AuditEventInput,
  AuditLogger,
  AuditMetadata,
  AuditResult,
  AuditSealer,
  AuditStats,
  AuditWriter,
  AuditWriterOptions,
  BrokenRow,
  ChainHead,
  CounterSource,
  MigrateOptions,
  MigrateResult,
  Queryable,
  SealerOptions,
  SealOptions,
  SealResult,
  VerifyOptions,
  VerifyResult,
} from './types';
export { normalizeEvent } from './validate';
export { verifyAuditChain } from './verify';
export { createAuditWriter } from './writer';
