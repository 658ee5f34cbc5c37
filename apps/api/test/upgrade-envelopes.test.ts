import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BASE_FEE, Keypair, Operation, rpc, TransactionBuilder } from '@stellar/stellar-sdk';
import type { Pool } from 'pg';
import { migrate } from '../src/db/migrate';
import { auditRows, buildApp, createTestEnv, type TestEnv } from './helper';

const BEFORE_BATCHES = ['001_init.sql', '002_job_request_context.sql', '003_one_reward_per_quiz.sql'];

/** The schema as it was before migration 004 (one envelope per claim row). */
async function migrateBeforeBatches(pool: Pool): Promise<void> {
  await pool.query(
    'CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const file of BEFORE_BATCHES) {
    await pool.query(await readFile(path.join(__dirname, '..', 'migrations', file), 'utf8'));
    await pool.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
  }
}

/**
 * An upgrade while a payout is in flight: the claim row holds the signed envelope (the old way),
 * committed but never sent. After migration 004 the service resumes it by its hash and pays once.
 */
describe('upgrading with a payout envelope in flight', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('api_upgrade', { migrateWith: migrateBeforeBatches });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('resumes the old envelope by hash after migration 004 and pays once', async () => {
    const pool = env.schema.pool;
    const learner = Keypair.random().publicKey();
    const distributor = Keypair.fromSecret(env.sandbox.accounts[0]!.secret);
    const server = new rpc.Server(env.sandbox.url, { allowHttp: true });
    const tx = new TransactionBuilder(await server.getAccount(distributor.publicKey()), {
      fee: BASE_FEE,
      networkPassphrase: env.sandbox.networkPassphrase,
    })
      .addOperation(Operation.createAccount({ destination: learner, startingBalance: '10' }))
      .setTimeout(60)
      .build();
    tx.sign(distributor);
    const hash = Buffer.from(tx.hash()).toString('hex');
    const { rows } = await pool.query<{ id: string }>(
      `WITH u AS (INSERT INTO users (stellar_address) VALUES ($1) RETURNING id),
            s AS (INSERT INTO submissions (user_id, quiz_id, answers, score, passed)
                  SELECT id, 'stellar-101-accounts', '{}', 100, true FROM u RETURNING id, user_id)
       INSERT INTO reward_claims (submission_id, quiz_id, user_id, destination, amount, status, tx_hash, envelope_xdr,
                                  valid_until, attempts)
       SELECT s.id, 'stellar-101-accounts', s.user_id, $1, 10, 'submitted', $2, $3, $4, 1 FROM s RETURNING id`,
      [learner, hash, tx.toXDR(), tx.timeBounds!.maxTime],
    );
    const claimId = rows[0]!.id;

    expect((await migrate(pool))[0]).toBe('004_onchain_envelopes.sql');
    const stored = await pool.query('SELECT * FROM onchain_envelopes WHERE hash = $1', [hash]);
    expect(stored.rows[0]).toMatchObject({ source: 'legacy:reward_claims', status: 'submitted', operations: 1 });
    expect((await pool.query('SELECT op_index FROM reward_claims WHERE id = $1', [claimId])).rows[0].op_index).toBe(0);

    const t = await buildApp(env, { reconciler: true });
    try {
      let status = 'submitted';
      for (let i = 0; i < 300 && status !== 'confirmed'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = (await pool.query('SELECT status FROM reward_claims WHERE id = $1', [claimId])).rows[0].status;
      }
      expect(status).toBe('confirmed');
    } finally {
      await t.app.close();
    }
    expect(env.sandbox.balance(learner)).toBe('10.0000000');
    expect(env.sandbox.appliedTransactions().filter((a) => a.hash === hash)).toHaveLength(1);
    const claimed = (await auditRows(pool, 'reward_claimed')).filter((r) => r.resource_id === claimId);
    expect(claimed).toEqual([expect.objectContaining({ tx_hash: hash })]);
  });
});
