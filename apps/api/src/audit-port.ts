import type { AuditEventInput, Queryable } from '@app/audit';
import type { Pool } from 'pg';

/** The fields of an audit event the service writes. */
export type AuditInput = AuditEventInput;

/** Writes audit events inside the caller's transaction. */
export interface AuditSink {
  write(client: Queryable, event: AuditInput): Promise<unknown>;
}

/** Writes one event in its own short transaction (security events outside any business change). */
export async function writeStandalone(pool: Pool, audit: AuditSink, event: AuditInput): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await audit.write(client, event);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
