import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { AUDIT_ERROR_CODES, AuditError, invalidEvent } from './errors';
import { AUDIT_SCHEMA_VERSION, EVENT_NAME_PATTERN } from './names';
import { LIMITS, sanitizeMetadata, sanitizeString } from './redact';
import { activeTraceIds } from './trace-context';
import type { AuditEvent, AuditEventInput } from './types';

const STELLAR_ADDRESS = /^(G[A-Z2-7]{55}|M[A-Z2-7]{68})$/;
const TX_HASH = /^[0-9a-f]{64}$/;
const AMOUNT = /^\d{1,30}(\.\d{1,7})?$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const SHORT_TEXT = 256;

function optionalText(input: AuditEventInput, field: keyof AuditEventInput, max = SHORT_TEXT): string | null {
  const value = input[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidEvent(field, 'must be a string');
  return sanitizeString(value, max);
}

function amount(value: AuditEventInput['amount']): string | null {
  if (value === undefined || value === null) return null;
  let text: string;
  if (typeof value === 'bigint') text = value.toString();
  else if (typeof value === 'number') {
    // A float amount may already be inexact; only values that print exactly are accepted.
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER)
      throw invalidEvent('amount', 'is not exact');
    text = String(value);
  } else if (typeof value === 'string') text = value.trim();
  else throw invalidEvent('amount', 'must be a decimal string, bigint or number');
  if (!AMOUNT.test(text)) throw invalidEvent('amount', 'must be a non-negative decimal with at most 7 decimals');
  const trimmed = text.replace(/^0+(?=\d)/, '');
  return trimmed.includes('.') ? trimmed.replace(/\.?0+$/, '') : trimmed;
}

function pattern(input: AuditEventInput, field: 'stellarAddress' | 'txHash', re: RegExp, what: string): string | null {
  const value = input[field];
  if (value === undefined || value === null) return null;
  // Never echo the value: a secret seed passed by mistake must not reach the error either.
  if (typeof value !== 'string' || !re.test(value)) throw invalidEvent(field, `must be ${what}`);
  return value;
}

/**
 * Turns caller input into a stored event: validated (throws AUDIT_ERR_INVALID_EVENT
 * naming the field, never its value), redacted, bounded, stamped with a UUID,
 * the time and the active span's ids. With `events` (see `registeredEventNames`),
 * a well-formed name outside that set throws AUDIT_ERR_UNKNOWN_EVENT.
 */
export function normalizeEvent(input: AuditEventInput, events?: ReadonlySet<string>): AuditEvent {
  if (input === null || typeof input !== 'object') throw invalidEvent('(event)', 'must be an object');
  if (typeof input.event !== 'string' || !EVENT_NAME_PATTERN.test(input.event)) {
    throw invalidEvent('event', 'must be a lower-case name such as order_placed (max 64 chars)');
  }
  if (events && !events.has(input.event)) {
    // The name passed the pattern above (lower-case identifier), so naming it cannot leak a secret.
    throw new AuditError(
      AUDIT_ERROR_CODES.UNKNOWN_EVENT,
      `audit event "${input.event}" is not registered: add it to createAuditWriter({ events })`,
    );
  }
  if (input.result !== 'success' && input.result !== 'failure') {
    throw invalidEvent('result', 'must be "success" or "failure"');
  }
  const ip = optionalText(input, 'ip', 64);
  if (ip !== null && isIP(ip) === 0) throw invalidEvent('ip', 'must be an IPv4 or IPv6 address');
  if (input.metadata !== undefined && input.metadata !== null) {
    if (typeof input.metadata !== 'object' || Array.isArray(input.metadata)) {
      throw invalidEvent('metadata', 'must be a plain object');
    }
  }
  const createdAt = input.createdAt ?? new Date();
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw invalidEvent('createdAt', 'must be a valid Date');
  }
  const active = input.traceId === undefined && input.spanId === undefined ? activeTraceIds() : null;
  const traceId = active ? active.traceId : (input.traceId ?? null);
  const spanId = active ? active.spanId : (input.spanId ?? null);
  if (traceId !== null && !TRACE_ID.test(traceId))
    throw invalidEvent('traceId', 'must be 32 lower-case hex characters');
  if (spanId !== null && !SPAN_ID.test(spanId)) throw invalidEvent('spanId', 'must be 16 lower-case hex characters');
  return {
    eventId: randomUUID(),
    schemaVersion: AUDIT_SCHEMA_VERSION,
    event: input.event,
    result: input.result,
    userId: optionalText(input, 'userId'),
    stellarAddress: pattern(input, 'stellarAddress', STELLAR_ADDRESS, 'a Stellar public key (G… or M…)'),
    resource: optionalText(input, 'resource', 64),
    resourceId: optionalText(input, 'resourceId'),
    action: optionalText(input, 'action', 64),
    reason: optionalText(input, 'reason'),
    txHash: pattern(input, 'txHash', TX_HASH, '64 lower-case hex characters'),
    amount: amount(input.amount),
    metadata: sanitizeMetadata(input.metadata),
    ip,
    userAgent: optionalText(input, 'userAgent', LIMITS.userAgentLength),
    traceId,
    spanId,
    createdAt,
  };
}
