import { AUDIT_ERROR_CODES, AuditError } from './errors';
import { AUDIT_EVENTS, EVENT_NAME_PATTERN } from './names';

/** Event names a writer accepts: a list, or an object whose values are the names (e.g. a service's constants). */
export type AuditEventNames = Iterable<string> | Readonly<Record<string, string>>;

function valuesOf(names: AuditEventNames): Iterable<unknown> {
  return typeof (names as Iterable<string>)[Symbol.iterator] === 'function'
    ? (names as Iterable<string>)
    : Object.values(names);
}

/**
 * The set of accepted event names: every name in `names` plus the security events (`AUDIT_EVENTS`).
 * Throws `AuditError` `AUDIT_ERR_INVALID_OPTION` when an entry is not a well-formed event name.
 */
export function registeredEventNames(names: AuditEventNames): ReadonlySet<string> {
  if (names === null || typeof names !== 'object') {
    throw new AuditError(
      AUDIT_ERROR_CODES.INVALID_OPTION,
      '"events" must be a list of event names or an object of them',
    );
  }
  const accepted = new Set<string>(Object.values(AUDIT_EVENTS));
  for (const name of valuesOf(names)) {
    if (typeof name !== 'string' || !EVENT_NAME_PATTERN.test(name)) {
      throw new AuditError(
        AUDIT_ERROR_CODES.INVALID_OPTION,
        `"events" holds ${typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : `a ${typeof name}`}, which is not an event name (${EVENT_NAME_PATTERN})`,
      );
    }
    accepted.add(name);
  }
  return accepted;
}
