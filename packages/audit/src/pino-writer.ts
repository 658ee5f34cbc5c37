import { LOG_DATASETS, LOG_FIELDS } from './log-fields';
import type { AuditEvent } from './types';

/** The log copy of an event under the convention's field names (no null fields). */
export function auditLogLine(event: AuditEvent): Record<string, unknown> {
  const line: Record<string, unknown> = {
    [LOG_FIELDS.EVENT_KIND]: 'event',
    [LOG_FIELDS.EVENT_DATASET]: LOG_DATASETS.AUDIT,
    [LOG_FIELDS.EVENT_ID]: event.eventId,
    [LOG_FIELDS.EVENT_ACTION]: event.event,
    [LOG_FIELDS.EVENT_OUTCOME]: event.result,
    [LOG_FIELDS.EVENT_CREATED]: event.createdAt.toISOString(),
    [LOG_FIELDS.AUDIT_SCHEMA_VERSION]: event.schemaVersion,
  };
  const optional: [string, unknown][] = [
    [LOG_FIELDS.EVENT_REASON, event.reason],
    [LOG_FIELDS.USER_ID, event.userId],
    [LOG_FIELDS.SOURCE_IP, event.ip],
    [LOG_FIELDS.USER_AGENT, event.userAgent],
    [LOG_FIELDS.TRACE_ID, event.traceId],
    [LOG_FIELDS.SPAN_ID, event.spanId],
    [LOG_FIELDS.STELLAR_ADDRESS, event.stellarAddress],
    [LOG_FIELDS.STELLAR_TX_HASH, event.txHash],
    [LOG_FIELDS.STELLAR_AMOUNT, event.amount],
    [LOG_FIELDS.AUDIT_ACTION, event.action],
    [LOG_FIELDS.AUDIT_RESOURCE, event.resource],
    [LOG_FIELDS.AUDIT_RESOURCE_ID, event.resourceId],
  ];
  for (const [name, value] of optional) if (value !== null) line[name] = value;
  if (Object.keys(event.metadata).length > 0) line[LOG_FIELDS.AUDIT_METADATA] = event.metadata;
  return line;
}
