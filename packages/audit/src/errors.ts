/** Codes of the errors a user of this package can cause. */
export const AUDIT_ERROR_CODES = {
  /** The event is malformed: a programming error in the caller. */
  INVALID_EVENT: 'AUDIT_ERR_INVALID_EVENT',
  /** The event name is well formed but not registered with the writer (`events` option). */
  UNKNOWN_EVENT: 'AUDIT_ERR_UNKNOWN_EVENT',
  /** An option of `createAuditWriter` is malformed (e.g. an `events` entry that is not an event name). */
  INVALID_OPTION: 'AUDIT_ERR_INVALID_OPTION',
  /** A schema name that is not a plain identifier. */
  INVALID_SCHEMA: 'AUDIT_ERR_INVALID_SCHEMA',
  /** The chain was sealed with a key and none was given (or the reverse). */
  KEY_MISMATCH: 'AUDIT_ERR_KEY_MISMATCH',
  /** A `from`/`to` bound that is neither a number nor a date. */
  INVALID_RANGE: 'AUDIT_ERR_INVALID_RANGE',
  /** Bad command-line usage. */
  USAGE: 'AUDIT_ERR_USAGE',
} as const;

export type AuditErrorCode = (typeof AUDIT_ERROR_CODES)[keyof typeof AUDIT_ERROR_CODES];

/** An error with a stable `code`. Messages never contain field values. */
export class AuditError extends Error {
  readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'AuditError';
    this.code = code;
  }
}

export function invalidEvent(field: string, problem: string): AuditError {
  return new AuditError(AUDIT_ERROR_CODES.INVALID_EVENT, `audit event field "${field}" ${problem}`);
}
