export type { LogFieldName, LogFieldsInput } from './log-fields';
export { LOG_FIELDS, logFields } from './log-fields';
export { AUDIT_ERROR_CODES, AuditError } from './errors';
export type { AuditErrorCode } from './errors';
export {
  AUDIT_EVENTS,
  AUDIT_SCHEMA_VERSION,
  CHAIN_TABLE,
  COUNTER_EVENTS_WRITTEN,
  COUNTER_WRITE_FAILURES,
  EVENT_COLUMNS,
  EVENTS_TABLE,
} from './names';
export { MIGRATIONS_DIR, migrateAuditSchema } from './migrate';
export { createAuditWriter } from './writer';
export { normalizeEvent } from './validate';
export { auditLogLine } from './pino-writer';
export { isSecretKey, LIMITS, REDACTED, redactSecrets, redactUrl, sanitizeMetadata, sanitizeString } from './redact';
export { activeTraceIds, traceLogFields } from './trace-context';
export { sealAuditChain, startAuditSealer } from './seal';
export { verifyAuditChain } from './verify';
export { GENESIS_HASH } from './chain';
export { securityEvents } from './security-events';
export type { AuthzFailContext, FailureContext, RateLimitContext, SecurityContext } from './security-events';
export { auditCounterSources, getAuditStats } from './stats';
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
