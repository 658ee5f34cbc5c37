import type { TestSchema } from '@app/test-utils';
import { createAuditWriter } from '../src/writer';
import { auditSchema, sealAll } from './helpers';

describe('append-only audit tables', () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await auditSchema('audit_append');
    const audit = createAuditWriter();
    await audit.write(schema.pool, { event: 'reward_claimed', result: 'success', amount: '1' });
    await sealAll(schema.pool);
  });
  afterAll(async () => {
    await schema.drop();
  });

  it.each([
    ['UPDATE', "UPDATE audit_events SET amount = 1000 WHERE event = 'reward_claimed'"],
    ['DELETE', 'DELETE FROM audit_events'],
    ['TRUNCATE', 'TRUNCATE audit_events'],
    ['UPDATE chain', "UPDATE audit_chain SET hash = 'x'"],
    ['DELETE chain', 'DELETE FROM audit_chain'],
    ['TRUNCATE chain', 'TRUNCATE audit_chain'],
  ])('refuses %s', async (_op, sql) => {
    await expect(schema.pool.query(sql)).rejects.toThrow(/is not allowed \(append-only\)/);
    const { rows } = await schema.pool.query('SELECT amount::text AS amount FROM audit_events');
    expect(rows).toEqual([{ amount: '1' }]);
    expect((await schema.pool.query('SELECT count(*)::int AS n FROM audit_chain')).rows[0].n).toBe(1);
  });

  it('refuses TRUNCATE even with CASCADE from a referencing table', async () => {
    await expect(schema.pool.query('TRUNCATE audit_events, audit_chain CASCADE')).rejects.toThrow(/append-only/);
  });
});
