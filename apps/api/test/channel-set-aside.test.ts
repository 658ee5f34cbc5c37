import { Asset, Keypair, Operation, rpc, TransactionBuilder } from '@stellar/stellar-sdk';
import type { OnchainJobs } from '../src/stellar/onchain-jobs';
import { buildApp, claimRows, createTestEnv, seedClaims, type TestApp, type TestEnv, untilValue } from './helper';

/**
 * #14 F2: a channel account that cannot pay its fee (txINSUFFICIENT_BALANCE) is the channel's fault,
 * not the learners': their claims go out on the other channel without losing an attempt, and the
 * broke channel is set aside and reported.
 */

describe('a channel account that cannot pay its fee (real PostgreSQL, sandbox, 2 channels)', () => {
  let env: TestEnv;
  let t: TestApp;
  let healthy: Keypair;
  let broke: Keypair;

  beforeAll(async () => {
    env = await createTestEnv('api_set_aside', { fundedAccounts: 4 });
    healthy = Keypair.fromSecret(env.sandbox.accounts[2]!.secret);
    broke = Keypair.fromSecret(env.sandbox.accounts[3]!.secret);
    // Drain the channel behind the service's back to 1.0000050 XLM (the reserve is 1 XLM): it cannot pay 100 stroops.
    const server = new rpc.Server(env.sandbox.url, { allowHttp: true });
    const drain = new TransactionBuilder(await server.getAccount(broke.publicKey()), {
      fee: '100',
      networkPassphrase: env.sandbox.networkPassphrase,
    })
      .addOperation(
        Operation.payment({
          destination: env.sandbox.accounts[0]!.publicKey,
          asset: Asset.native(),
          amount: '9998.9999850',
        }),
      )
      .setTimeout(30)
      .build();
    drain.sign(broke);
    await server.sendTransaction(drain);
    await untilValue('the drain to apply', async () =>
      env.sandbox.balance(broke.publicKey()) === '1.0000050' ? true : undefined,
    );
    t = await buildApp(env, {
      env: { STELLAR_BATCH_MAX_OPERATIONS: '3', STELLAR_TX_TIMEOUT_SECONDS: '5', SIGNALS_INTERVAL_MS: '200' },
      channels: [healthy, broke],
    });
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('pays every claim on the healthy channel without losing an attempt, and sets the broke one aside', async () => {
    const machine = t.onchain.machines.find((m) => m.kind.label === 'reward_payout') as OnchainJobs;
    const learners = Array.from({ length: 6 }, () => Keypair.random().publicKey());
    const ids = await seedClaims(env.schema.pool, learners);
    let stop = false;
    const passes = (async () => {
      while (!stop) {
        await machine.reconcileOnce();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      const paid = await untilValue('all claims confirmed', async () => {
        const rows = await claimRows(env.schema.pool, ids);
        return rows.every((c) => c.status === 'confirmed') ? rows : undefined;
      });
      // The broke channel's refusal cost nobody an attempt.
      expect(paid.map((c) => c.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
      for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');
      const { rows: refused } = await env.schema.pool.query<{ source: string; result_code: string }>(
        `SELECT source, result_code FROM onchain_envelopes WHERE status = 'void'`,
      );
      expect(refused).toEqual([{ source: broke.publicKey(), result_code: 'txINSUFFICIENT_BALANCE' }]);
      const { rows: aside } = await env.schema.pool.query(
        'SELECT public_key, set_aside_reason FROM onchain_channels WHERE set_aside_until > now()',
      );
      expect(aside).toEqual([{ public_key: broke.publicKey(), set_aside_reason: 'txINSUFFICIENT_BALANCE' }]);
      await untilValue('onchain_channel_set_aside 1 for the broke channel', async () => {
        const text = await t.metrics.registry.getSingleMetricAsString('onchain_channel_set_aside');
        return text.includes(`onchain_channel_set_aside{channel="${broke.publicKey()}"} 1`) &&
          text.includes(`onchain_channel_set_aside{channel="${healthy.publicKey()}"} 0`)
          ? true
          : undefined;
      });
    } finally {
      stop = true;
      await passes;
    }
  }, 90_000);
});
