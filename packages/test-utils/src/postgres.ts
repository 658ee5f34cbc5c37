import { randomBytes } from 'node:crypto';
import { Pool, type PoolConfig } from 'pg';

/** Connection settings of the PostgreSQL the tests run against (trust auth on this machine). */
export function testDatabaseConfig(): PoolConfig {
  if (process.env.DATABASE_URL) return { connectionString: process.env.DATABASE_URL };
  return {
    host: process.env.PGHOST ?? '127.0.0.1',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? 'postgres',
    database: process.env.PGDATABASE ?? 'test',
  };
}

export interface TestSchema {
  /** The schema's name, unique to this test run. */
  readonly name: string;
  /** A pool whose connections use only this schema (search_path). */
  readonly pool: Pool;
  /** Connection options (with the schema's search_path) for a new client or pool. */
  readonly config: PoolConfig;
  /** Closes the pool and drops the schema with everything in it. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh schema owned by one test (or one test file), so tests can
 * run in parallel against the same database without seeing each other's rows.
 */
export async function createTestSchema(label = 'test', poolConfig: PoolConfig = {}): Promise<TestSchema> {
  const name = `${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  const base = testDatabaseConfig();
  const admin = new Pool({ ...base, max: 1 });
  await admin.query(`CREATE SCHEMA "${name}"`);
  await admin.end();
  const config: PoolConfig = { ...base, ...poolConfig, options: `-c search_path="${name}"` };
  const pool = new Pool(config);
  return {
    name,
    pool,
    config,
    async drop() {
      await pool.end();
      const cleanup = new Pool({ ...base, max: 1 });
      await cleanup.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await cleanup.end();
    },
  };
}
