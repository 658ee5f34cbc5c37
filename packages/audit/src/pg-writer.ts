import { createHash } from 'node:crypto';
import { EVENT_COLUMNS, EVENTS_TABLE } from './names';
import { tableName } from './sql';
import type { AuditEvent, Queryable } from './types';

/** The INSERT statement for a table name (qualified or resolved by search_path). */
export function insertStatement(schema: string | undefined): string {
  const placeholders = EVENT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
  return `INSERT INTO ${tableName(EVENTS_TABLE, schema)} (${EVENT_COLUMNS.join(', ')}) VALUES (${placeholders})`;
}

// PostgreSQL types of EVENT_COLUMNS, for the batch insert's unnest() arrays.
const COLUMN_TYPES = [
  'uuid',
  'smallint',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'numeric',
  'jsonb',
  'inet',
  'text',
  'text',
  'text',
  'timestamptz',
] as const;

/** One INSERT for many events: one array parameter per column, so the text never changes. */
export function batchInsertStatement(schema: string | undefined): string {
  const arrays = COLUMN_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
  return `INSERT INTO ${tableName(EVENTS_TABLE, schema)} (${EVENT_COLUMNS.join(', ')}) SELECT * FROM unnest(${arrays})`;
}

/** Column arrays of many events, in `EVENT_COLUMNS` order. */
export function batchValues(events: AuditEvent[]): unknown[][] {
  const columns: unknown[][] = COLUMN_TYPES.map(() => []);
  for (const event of events) {
    insertValues(event).forEach((value, i) => {
      columns[i]!.push(value);
    });
  }
  return columns;
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

/** pg's query config: a named statement is parsed and planned once per connection. */
interface NamedQuery {
  query(config: { name: string; text: string; values: unknown[] }): Promise<unknown>;
}

/** A statement name unique to the statement text (pg refuses one name for two texts). */
export function statementName(statement: string): string {
  return `app_audit_insert_${createHash('sha1').update(statement).digest('hex').slice(0, 12)}`;
}

/**
 * Inserts one event with the caller's client, inside whatever transaction it
 * is in. With `name`, as a named prepared statement (about half the cost of
 * an unnamed one; needs a driver with pg's query-config form).
 */
export async function insertEvent(
  client: Queryable,
  statement: string,
  values: unknown[],
  name?: string,
): Promise<void> {
  if (name === undefined) await client.query(statement, values);
  else await (client as unknown as NamedQuery).query({ name, text: statement, values });
}
