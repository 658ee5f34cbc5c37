import type { Pool } from 'pg';

/** The fields of an audit event the service writes (the shape of @app/audit's AuditEventInput). */
export interface AuditInput {
  event: string;
  result: 'success' | 'failure';
  userId?: string | null;
  stellarAddress?: string | null;
  resource?: string | null;
  resourceId?: string | null;
  action?: string | null;
  reason?: string | null;
  txHash?: string | null;
  amount?: string | null;
  metadata?: Record<string, unknown> | null;
  ip?: string | null;
  userAgent?: string | null;
}

/** Anything with pg's `query`: the transaction's client. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount?: number | null }>;
}

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
