import { spawn } from 'node:child_process';
import path from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import { auditRows, buildApp, createTestEnv, seedClaims, type TestEnv } from './helper';

/**
 * A process killed between sending a batch envelope and committing its outcome, with two channel
 * accounts: the restarted service resumes every in-flight envelope by its hash and pays each claim once.
 */
describe('a process killed mid-batch', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('api_crash_batch', { fundedAccounts: 4 });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('is reconciled after a SIGKILL at afterSend: 11 claims over 2 channels, one payout each', async () => {
    const pool = env.schema.pool;
    const learners = Array.from({ length: 11 }, () => Keypair.random().publicKey());
    const ids = await seedClaims(pool, learners);
    const channels = [env.sandbox.accounts[2]!, env.sandbox.accounts[3]!];
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'crash-child.js')], {
      env: {
        PATH: process.env.PATH,
        CRASH_AT: 'afterSend',
        RECONCILER: '1',
        JWT_SECRET: env.jwtSecret,
        DATABASE_URL: `postgresql://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${
          process.env.PGPORT ?? 5432
        }/${process.env.PGDATABASE ?? 'test'}?options=${encodeURIComponent(`-c search_path=${env.schema.name}`)}`,
        STELLAR_RPC_URL: env.sandbox.url,
        STELLAR_NETWORK_PASSPHRASE: env.sandbox.networkPassphrase,
        STELLAR_DISTRIBUTOR_SECRET: env.sandbox.accounts[0]!.secret,
        STELLAR_ISSUER_SECRET: env.sandbox.accounts[1]!.secret,
        STELLAR_CREDENTIAL_CONTRACT_ID: env.sandbox.credentialContractId,
        STELLAR_CHANNEL_SECRETS: channels.map((c) => c.secret).join(','),
        STELLAR_BATCH_MAX_OPERATIONS: '5',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');

    // The dead process sent an envelope and never recorded its outcome.
    const inFlight = (await pool.query("SELECT * FROM onchain_envelopes WHERE status = 'submitted'")).rows;
    expect(inFlight.length).toBeGreaterThanOrEqual(1);
    expect(inFlight.some((e) => env.sandbox.sentCount(e.hash) > 0)).toBe(true);

    const restarted = await buildApp(env, {
      reconciler: true,
      env: { STELLAR_BATCH_MAX_OPERATIONS: '5' },
      channels: channels.map((c) => Keypair.fromSecret(c.secret)),
    });
    try {
      let confirmed = 0;
      for (let i = 0; i < 300 && confirmed < ids.length; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const { rows } = await pool.query(
          "SELECT count(*)::int AS n FROM reward_claims WHERE id = ANY($1) AND status = 'confirmed'",
          [ids],
        );
        confirmed = rows[0].n;
      }
      expect(confirmed).toBe(ids.length);
    } finally {
      await restarted.app.close();
    }
    for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');
    const envelopes = (await pool.query('SELECT * FROM onchain_envelopes')).rows;
    expect(envelopes.reduce((n, e) => n + e.operations, 0)).toBe(ids.length);
    for (const e of envelopes) {
      expect(env.sandbox.appliedTransactions().filter((a) => a.hash === e.hash)).toHaveLength(1);
    }
    const claimed = (await auditRows(pool, 'reward_claimed')).filter((r) => ids.includes(r.resource_id));
    expect(claimed).toHaveLength(ids.length);
    expect(new Set(claimed.map((r) => r.resource_id)).size).toBe(ids.length);
  }, 90_000);
});
