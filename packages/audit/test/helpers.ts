import { createTestSchema, type TestSchema } from '@app/test-utils';
import pino from 'pino';
import { tables } from '../src/chain';
import { migrateAuditSchema } from '../src/migrate';
import { sealAuditChain } from '../src/seal';
import type { Queryable, SealOptions, SealResult } from '../src/types';

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

/**
 * Seals until no row is left unsealed. The sealer only takes rows below the
 * cluster-wide snapshot xmin, so a writing transaction held open by another
 * package's tests can delay a pass; this waits it out (bounded).
 */
export async function sealAll(target: Queryable, options: SealOptions = {}): Promise<SealResult> {
  const t = tables(options.schema);
  const deadline = Date.now() + 20_000;
  let sealed = 0;
  for (;;) {
    const result = await sealAuditChain(target, options);
    sealed += result.sealed;
    const { rows } = await target.query(
      `SELECT count(*)::int AS n FROM ${t.events} e WHERE NOT EXISTS (SELECT 1 FROM ${t.chain} c WHERE c.event_pk = e.id)`,
    );
    if ((rows[0] as { n: number }).n === 0) return { ...result, sealed };
    if (Date.now() > deadline) throw new Error('rows still unsealed after 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
