import { insertEvent, insertStatement } from './pg-writer';
import { auditLogLine } from './pino-writer';
import { countFailure, countWritten } from './stats';
import { normalizeEvent } from './validate';
import type { AuditEvent, AuditEventInput, AuditWriter, AuditWriterOptions, Queryable } from './types';

/**
 * Creates the audit writer. `write(client, event)` inserts the row with the
 * caller's client — so it commits or rolls back with the business change —
 * and then writes the log copy (`audit: true`) through `logger`.
 */
export function createAuditWriter(options: AuditWriterOptions = {}): AuditWriter {
  const statement = insertStatement(options.schema);
  const message = options.message ?? 'audit';
  const { logger } = options;

  function normalize(input: AuditEventInput): AuditEvent {
    try {
      return normalizeEvent(input);
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
        await insertEvent(client, statement, event);
      } catch (error) {
        countFailure('postgres');
        throw error;
      }
      countWritten('postgres');
      logCopy(event);
      return event;
    },
    log(input: AuditEventInput): AuditEvent {
      const event = normalize(input);
      logCopy(event);
      return event;
    },
  };
}
