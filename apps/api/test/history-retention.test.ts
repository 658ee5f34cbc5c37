import { Keypair, rpc, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk';
import type { Pool } from 'pg';
import type { EnvelopeRow, OnchainJobs } from '../src/stellar/onchain-jobs';
import { buildApp, claimRows, createTestEnv, seedClaims, type TestApp, type TestEnv, untilValue } from './helper';

/**
 * #14 F1: a Stellar RPC keeps a bounded history (stellar-rpc's window; 3 ledgers here). An envelope
 * that was applied but has left the window answers NOT_FOUND: that must never be read as "never
 * applied" (void + rebuild = the learners paid twice).
 */
const CRASH = new Error('process killed between commit and settlement');

async function envelopes(pool: Pool): Promise<EnvelopeRow[]> {
  return (await pool.query<EnvelopeRow>('SELECT * FROM onchain_envelopes ORDER BY created_at')).rows;
}

/** This file's ledgers close on demand, every 50 ms: 20 s is plenty for any condition. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) => untilValue(what, probe, 20_000, 50);

/**
 * Runs reconciler passes of `machine` back to back while closing a ledger every 50 ms (a submission
 * waits for its ledger), until `probe` answers.
 */
async function drive<T>(
  machine: OnchainJobs,
  close: () => Promise<void> | void,
  what: string,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  let stop = false;
  const passes = (async () => {
    while (!stop) await machine.reconcileOnce();
  })();
  try {
    return await waitFor(what, async () => {
      await close();
      return probe();
    });
  } finally {
    stop = true;
    await passes;
  }
}

describe('NOT_FOUND outside the RPC history window (real PostgreSQL, sandbox keeping 3 ledgers)', () => {
  let env: TestEnv;
  let crashed: TestApp;
  let restarted: TestApp;
  let channel: Keypair;
  const machineOf = (t: TestApp) => t.onchain.machines.find((m) => m.kind.label === 'reward_payout') as OnchainJobs;

  beforeAll(async () => {
    env = await createTestEnv('api_history', { ledgerIntervalMs: 0, fundedAccounts: 3, historyRetentionLedgers: 3 });
    channel = Keypair.fromSecret(env.sandbox.accounts[2]!.secret);
    const settings = { STELLAR_BATCH_MAX_OPERATIONS: '10', STELLAR_TX_TIMEOUT_SECONDS: '5' };
    // The first process dies right after committing each envelope (before settling it).
    crashed = await buildApp(env, {
      env: settings,
      channels: [channel],
      hooks: {
        afterSubmitCommit() {
          throw CRASH;
        },
      },
    });
    restarted = await buildApp(env, { env: settings, channels: [channel] });
  });
  afterAll(async () => {
    await crashed.app.close().catch(() => undefined);
    await restarted.app.close();
    await env.cleanup();
  });

  /** Commits one envelope for `ids` in the crashing process; `send` = it reached the network first. */
  async function crashAfterCommit(ids: string[], send: boolean): Promise<EnvelopeRow> {
    await expect(machineOf(crashed).reconcileOnce()).rejects.toBe(CRASH);
    const [envelope] = (await envelopes(env.schema.pool)).filter((e) => e.status === 'submitted');
    expect(envelope).toBeDefined();
    expect((await claimRows(env.schema.pool, ids)).every((c) => c.tx_hash === envelope!.hash)).toBe(true);
    if (send) {
      const server = new rpc.Server(env.sandbox.url, { allowHttp: true });
      const tx = TransactionBuilder.fromXDR(envelope!.envelope_xdr, env.sandbox.networkPassphrase) as Transaction;
      expect((await server.sendTransaction(tx)).status).toBe('PENDING');
      await env.sandbox.closeLedger();
      expect((await server.getTransaction(envelope!.hash)).status).toBe('SUCCESS');
    }
    // The history window moves past it, and the ledger's close time past its time bound.
    await waitFor('the time bound to pass', async () => {
      await env.sandbox.closeLedger();
      // A ledger's close time is the wall clock at its close.
      return Math.floor(Date.now() / 1000) > Number(envelope!.valid_until) + 1 ? true : undefined;
    });
    for (let i = 0; i < 4; i += 1) await env.sandbox.closeLedger();
    return envelope!;
  }

  it('an applied envelope the RPC has forgotten is held indeterminate: never voided, never paid again', async () => {
    const learners = Array.from({ length: 4 }, () => Keypair.random().publicKey());
    const ids = await seedClaims(env.schema.pool, learners);
    const envelope = await crashAfterCommit(ids, true);
    for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');

    // Restarted: a few passes (each one would void + rebuild without the rule).
    await drive(
      machineOf(restarted),
      () => env.sandbox.closeLedger(),
      'a pass to hold it',
      async () => {
        const rows = await envelopes(env.schema.pool);
        return rows.some((e) => e.hash === envelope.hash && e.status !== 'submitted') ? true : undefined;
      },
    );
    for (let i = 0; i < 3; i += 1) {
      await machineOf(restarted).reconcileOnce();
      await env.sandbox.closeLedger();
    }
    const [held] = (await envelopes(env.schema.pool)).filter((e) => e.hash === envelope.hash);
    expect(held!.status).toBe('indeterminate');
    // Exactly once: the ledger holds one payment per learner, and no second envelope was built for them.
    for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');
    const rows = await claimRows(env.schema.pool, ids);
    expect(rows.map((c) => c.status)).toEqual(['submitted', 'submitted', 'submitted', 'submitted']);
    expect(rows.every((c) => c.tx_hash === envelope.hash && c.attempts === 1)).toBe(true);
    expect((await envelopes(env.schema.pool)).filter((e) => e.status !== 'indeterminate')).toEqual([]);
    // Counted for the operator (read from PostgreSQL by the signals probe, refreshed when it was held).
    await waitFor('onchain_envelopes_indeterminate 1', async () => {
      const text = await restarted.metrics.registry.getSingleMetricAsString('onchain_envelopes_indeterminate');
      return text.includes('onchain_envelopes_indeterminate{kind="reward_payout"} 1') ? text : undefined;
    });
    // The channel is free again for other jobs: a new claim goes out on it and confirms.
    const [other] = await seedClaims(env.schema.pool, [Keypair.random().publicKey()]);
    await drive(
      machineOf(restarted),
      () => env.sandbox.closeLedger(),
      'the new claim to confirm',
      async () => {
        const [row] = await claimRows(env.schema.pool, [other!]);
        return row?.status === 'confirmed' ? row : undefined;
      },
    );
    expect((await envelopes(env.schema.pool)).find((e) => e.hash === envelope.hash)?.status).toBe('indeterminate');
    await env.schema.pool.query("DELETE FROM onchain_envelopes WHERE status <> 'indeterminate'");
    await env.schema.pool.query('DELETE FROM reward_claims WHERE id = $1', [other]);
  });

  it('an envelope never sent, past its time bound and outside the window, is void (its source sequence proves it) and paid once', async () => {
    await env.schema.pool.query("DELETE FROM onchain_envelopes WHERE status = 'indeterminate'");
    await env.schema.pool.query("UPDATE reward_claims SET status = 'confirmed' WHERE status = 'submitted'");
    const learners = Array.from({ length: 3 }, () => Keypair.random().publicKey());
    const ids = await seedClaims(env.schema.pool, learners);
    const envelope = await crashAfterCommit(ids, false);
    const rows = await drive(
      machineOf(restarted),
      () => env.sandbox.closeLedger(),
      'the claims to confirm',
      async () => {
        const got = await claimRows(env.schema.pool, ids);
        return got.every((c) => c.status === 'confirmed') ? got : undefined;
      },
    );
    expect((await envelopes(env.schema.pool)).find((e) => e.hash === envelope.hash)?.status).toBe('void');
    expect(rows.every((c) => c.tx_hash !== envelope.hash && c.attempts === 2)).toBe(true);
    for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');
  });
});
