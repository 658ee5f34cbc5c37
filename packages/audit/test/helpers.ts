import { createTestSchema, type TestSchema } from '@app/test-utils';
import pino from 'pino';
import { migrateAuditSchema } from '../src/migrate';

/** A fresh schema with the audit tables; the pool's search_path points at it. */
export async function auditSchema(label = 'audit'): Promise<TestSchema> {
  const schema = await createTestSchema(label);
  await migrateAuditSchema(schema.pool);
  return schema;
}

/** A real pino logger writing into memory; `lines` are the parsed JSON lines, `raw` the text. */
export function captureLogger() {
  const raw: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => raw.push(line) });
  return {
    logger,
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Runs `fn` in a transaction on one client of the pool, committing or rolling back. */
export async function inTransaction<T>(
  pool: TestSchema['pool'],
  fn: (client: import('pg').PoolClient) => Promise<T>,
  end: 'COMMIT' | 'ROLLBACK' = 'COMMIT',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query(end);
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

export const TX_HASH = 'a'.repeat(64);
