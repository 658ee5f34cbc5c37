import { randomBytes } from 'node:crypto';
import type { TestSchema } from '@app/test-utils';
import { verifyAuditChain } from '../src/verify';
import { createAuditWriter } from '../src/writer';
import { auditSchema, inTransaction, sealAll } from './helpers';

// The grants the README shows, applied for real: roles are cluster-wide, so names are unique and dropped after.
describe('README grants: insert-only application role, sealer and verifier roles', () => {
  let schema: TestSchema;
  const suffix = randomBytes(4).toString('hex');
  const app = `audit_app_${suffix}`;
  const sealer = `audit_sealer_${suffix}`;
  beforeAll(async () => {
    schema = await auditSchema('audit_grants');
    const s = `"${schema.name}"`;
    for (const sql of [
      `CREATE ROLE ${app} NOLOGIN`,
      `GRANT USAGE ON SCHEMA ${s} TO ${app}`,
      `GRANT INSERT ON ${s}.audit_events TO ${app}`,
      `CREATE ROLE ${sealer} NOLOGIN`,
      `GRANT USAGE ON SCHEMA ${s} TO ${sealer}`,
      `GRANT SELECT ON ${s}.audit_events TO ${sealer}`,
      `GRANT SELECT, INSERT ON ${s}.audit_chain TO ${sealer}`,
    ]) {
      await schema.pool.query(sql);
    }
  });
  afterAll(async () => {
    await schema.pool.query(`DROP OWNED BY ${app}, ${sealer}`);
    await schema.pool.query(`DROP ROLE ${app}`);
    await schema.pool.query(`DROP ROLE ${sealer}`);
    await schema.drop();
  });

  const asRole = <T>(role: string, fn: (client: import('pg').PoolClient) => Promise<T>) =>
    inTransaction(schema.pool, async (client) => {
      await client.query(`SET LOCAL ROLE ${role}`);
      return fn(client);
    });

  it('the application role can insert and nothing else', async () => {
    const audit = createAuditWriter();
    await asRole(app, (client) => audit.write(client, { event: 'quiz_submitted', result: 'success' }));
    for (const sql of [
      'SELECT * FROM audit_events',
      'UPDATE audit_events SET event = $1',
      'DELETE FROM audit_events',
    ]) {
      const values = sql.includes('$1') ? ['x'] : [];
      await expect(asRole(app, (client) => client.query(sql, values))).rejects.toThrow(/permission denied/);
    }
    await expect(
      asRole(app, (client) =>
        client.query(
          "INSERT INTO audit_chain (seq, event_pk, txid, alg, prev_hash, hash) VALUES (1, 1, '1', 'sha256', 'x', 'x')",
        ),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('the sealer role seals and verifies', async () => {
    const client = await schema.pool.connect();
    try {
      await client.query(`SET ROLE ${sealer}`);
      expect((await sealAll(client, { schema: schema.name })).sealed).toBe(1);
      expect(await verifyAuditChain(client, { schema: schema.name })).toMatchObject({ ok: true, checked: 1 });
    } finally {
      await client.query('RESET ROLE');
      client.release();
    }
  });
});
