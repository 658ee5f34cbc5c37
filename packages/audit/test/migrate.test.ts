import { createTestSchema, type TestSchema, testDatabaseConfig } from '@app/test-utils';
import { Pool } from 'pg';
import { migrateAuditSchema } from '../src/migrate';

describe('migrateAuditSchema', () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await createTestSchema('audit_migrate');
  });
  afterEach(async () => {
    await schema.drop();
  });

  it('creates the tables in the search_path schema, then is a no-op', async () => {
    expect(await migrateAuditSchema(schema.pool)).toEqual({ schema: schema.name, applied: [1] });
    expect(await migrateAuditSchema(schema.pool)).toEqual({ schema: schema.name, applied: [] });
    const { rows } = await schema.pool.query(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema.name],
    );
    expect(rows.map((r) => r.table_name)).toEqual(['audit_chain', 'audit_events', 'audit_schema_migrations']);
  });

  it('is safe when several processes migrate the same schema at once', async () => {
    const pools = Array.from({ length: 4 }, () => new Pool({ ...schema.config, max: 1 }));
    try {
      const results = await Promise.all(pools.map((pool) => migrateAuditSchema(pool)));
      expect(results.flatMap((r) => r.applied)).toEqual([1]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('creates an explicit schema, from a connection whose search_path is public', async () => {
    const pool = new Pool({ ...testDatabaseConfig(), max: 2 });
    const target = `${schema.name}_x`;
    try {
      await Promise.all([migrateAuditSchema(pool, { schema: target }), migrateAuditSchema(pool, { schema: target })]);
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${target}".audit_events`);
      expect(rows[0].n).toBe(0);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${target}" CASCADE`);
      await pool.end();
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(migrateAuditSchema(schema.pool, { schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(
      /AUDIT_ERR_INVALID_SCHEMA/,
    );
  });
});
