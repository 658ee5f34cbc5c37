import { Keypair } from '@stellar/stellar-sdk';
import type { EnvelopeRow, OnchainJobs } from '../src/stellar/onchain-jobs';
import { buildApp, claimRows, createTestEnv, seedClaims, type TestApp, type TestEnv, untilValue } from './helper';

/**
 * #14 F3: TRY_AGAIN_LATER means stellar-core's queue is full and nothing was queued — not a refusal.
 * Claims must outlast any number of envelope time bounds of it without losing an attempt.
 */

describe('TRY_AGAIN_LATER (real PostgreSQL, sandbox answering every send TRY_AGAIN_LATER)', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_try_later', { fundedAccounts: 3 });
    t = await buildApp(env, {
      env: { STELLAR_BATCH_MAX_OPERATIONS: '10', STELLAR_TX_TIMEOUT_SECONDS: '5' },
      channels: [Keypair.fromSecret(env.sandbox.accounts[2]!.secret)],
    });
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('three time bounds of congestion cost no attempt; the claims are paid once it clears', async () => {
    const machine = t.onchain.machines.find((m) => m.kind.label === 'reward_payout') as OnchainJobs;
    const learners = Array.from({ length: 3 }, () => Keypair.random().publicKey());
    const ids = await seedClaims(env.schema.pool, learners);
    env.sandbox.faults.inject({ kind: 'try_again_later', times: Number.POSITIVE_INFINITY });
    let stop = false;
    const passes = (async () => {
      while (!stop) {
        await machine.reconcileOnce();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      // Three envelopes for the same claims expire unsent (the old behaviour failed the claims here).
      const voided = await untilValue('three envelopes void', async () => {
        const { rows } = await env.schema.pool.query<EnvelopeRow & { result_code: string }>(
          `SELECT * FROM onchain_envelopes WHERE status = 'void'`,
        );
        return rows.length >= 3 ? rows : undefined;
      });
      expect(voided.every((e) => e.result_code === 'TRY_AGAIN_LATER' && e.try_again_later_at !== null)).toBe(true);
      const waiting = await claimRows(env.schema.pool, ids);
      expect(waiting.every((c) => c.status === 'requested' || c.status === 'submitted')).toBe(true);
      expect(waiting.every((c) => c.attempts <= 1)).toBe(true);
      expect(await env.schema.pool.query(`SELECT 1 FROM onchain_envelopes WHERE refusal IS NOT NULL`)).toHaveProperty(
        'rowCount',
        0,
      );
      env.sandbox.faults.clear();
      const paid = await untilValue('the claims to confirm', async () => {
        const rows = await claimRows(env.schema.pool, ids);
        return rows.every((c) => c.status === 'confirmed') ? rows : undefined;
      });
      expect(paid.map((c) => c.attempts)).toEqual([1, 1, 1]);
      for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');
    } finally {
      stop = true;
      await passes;
    }
  }, 120_000);
});
