import { registeredEventNames } from './event-names';
import {
  batchInsertStatement,
  batchValues,
  insertEvent,
  insertStatement,
  insertValues,
  statementName,
} from './pg-writer';
import { auditLogLine } from './pino-writer';
import { countFailure, countWritten } from './stats';
import type { AuditEvent, AuditEventInput, AuditWriter, AuditWriterOptions, Queryable } from './types';
import { normalizeEvent } from './validate';

/**
 * Creates the audit writer. `write(client, event)` inserts the row with the
 * caller's client — so it commits or rolls back with the business change —
 * and then writes the log copy (`event.dataset: audit`) through `logger`. With `events`,
 * only those names and the security events (`AUDIT_EVENTS`) are accepted; throws
 * `AUDIT_ERR_INVALID_OPTION` at once when an `events` entry is not an event name.
 */
export function createAuditWriter(options: AuditWriterOptions = {}): AuditWriter {
  const statement = insertStatement(options.schema);
  const batchStatement = batchInsertStatement(options.schema);
  const prepare = options.prepare !== false;
  const name = prepare ? statementName(statement) : undefined;
  const batchName = prepare ? statementName(batchStatement) : undefined;
  const message = options.message ?? 'audit';
  const { logger } = options;
  const events = options.events === undefined ? undefined : registeredEventNames(options.events);

  function normalize(input: AuditEventInput): AuditEvent {
    try {
      return normalizeEvent(input, events);
    } catch (error) {
      countFailure('validation');
      throw error;
    }
  }

  function logCopy(event: AuditEvent): void {
    if (!logger) return;
    // The row is the record: a failing logger must not undo a business change.
    try {
      logger.info(auditLogLine(event), message);
      countWritten('log');
    } catch {
      countFailure('log');
    }
  }

  return {
    async write(client: Queryable, input: AuditEventInput): Promise<AuditEvent> {
      const event = normalize(input);
      try {
        await insertEvent(client, statement, insertValues(event), name);
      } catch (error) {
        countFailure('postgres');
        throw error;
      }
      countWritten('postgres');
      logCopy(event);
      return event;
    },
    async writeMany(client: Queryable, inputs: AuditEventInput[]): Promise<AuditEvent[]> {
      // All validated before anything is inserted: one bad event writes none.
      const events = inputs.map(normalize);
      if (events.length === 0) return events;
      try {
        await insertEvent(client, batchStatement, batchValues(events), batchName);
      } catch (error) {
        for (const _ of events) countFailure('postgres');
        throw error;
      }
      for (const event of events) {
        countWritten('postgres');
        logCopy(event);
      }
      return events;
    },
    log(input: AuditEventInput): AuditEvent {
      const event = normalize(input);
      logCopy(event);
      return event;
    },
  };
}
