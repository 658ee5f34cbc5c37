import { EVENT_COLUMNS, EVENTS_TABLE } from './names';
import { tableName } from './sql';
import type { AuditEvent, Queryable } from './types';

/** The INSERT statement for a table name (qualified or resolved by search_path). */
export function insertStatement(schema: string | undefined): string {
  const placeholders = EVENT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
  return `INSERT INTO ${tableName(EVENTS_TABLE, schema)} (${EVENT_COLUMNS.join(', ')}) VALUES (${placeholders})`;
}

/** Values in `EVENT_COLUMNS` order. */
export function insertValues(event: AuditEvent): unknown[] {
  return [
    event.eventId,
    event.schemaVersion,
    event.event,
    event.result,
    event.userId,
    event.stellarAddress,
    event.resource,
    event.resourceId,
    event.action,
    event.reason,
    event.txHash,
    event.amount,
    JSON.stringify(event.metadata),
    event.ip,
    event.userAgent,
    event.traceId,
    event.spanId,
    event.createdAt,
  ];
}

/** Inserts one event with the caller's client, inside whatever transaction it is in. */
export async function insertEvent(client: Queryable, statement: string, event: AuditEvent): Promise<void> {
  await client.query(statement, insertValues(event));
}
