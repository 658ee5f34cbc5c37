// A reward claim confirmed with its audit event in the same transaction, a
// sealer in the background, and a verification at the end.
// Run (Node 24 strips the types): DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node examples/reward-claim.mts
// It works in a throw-away schema and drops it.
import { randomBytes } from 'node:crypto';
import { createAuditWriter, migrateAuditSchema, securityEvents, startAuditSealer, verifyAuditChain } from '@app/audit';
import { Pool } from 'pg';
import pino from 'pino';

/** The service's own event names: registered with the writer, which refuses any other (typos included). */
const EVENTS = { rewardClaimed: 'reward_claimed' } as const;

async function main(): Promise<void> {
  const schema = `audit_example_${randomBytes(3).toString('hex')}`;
  const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  const logger = pino();
  await migrateAuditSchema(pool, { schema });
  const audit = createAuditWriter({ logger, schema, events: EVENTS });
  const sealer = startAuditSealer(pool, { schema, intervalMs: 100, logger });

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // ... the business change (UPDATE reward_claims SET status = 'confirmed' ...) goes here.
    await audit.write(client, {
      event: EVENTS.rewardClaimed,
      result: 'success',
      userId: 'user-1',
      resource: 'reward_claim',
      resourceId: 'claim-1',
      action: 'confirm',
      txHash: 'ab'.repeat(32),
      amount: '25.0000000',
      ip: '203.0.113.7',
      metadata: { headers: { authorization: 'Bearer never-stored' } },
    });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  await audit.write(pool, securityEvents.authnLoginFail({ ip: '198.51.100.4', reason: 'invalid_signature' }));

  await sealer.sealNow();
  await sealer.stop();
  logger.info(await verifyAuditChain(pool, { schema }), 'verified');
  await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
  await pool.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
