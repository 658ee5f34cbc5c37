import { Keypair } from '@stellar/stellar-sdk';
import { auditRows, buildApp, createTestEnv, passQuiz, signIn, type TestApp, type TestEnv } from './helper';

/**
 * The three-attempts limit: a claim whose three envelopes all expire on the ledger is recorded
 * `expired` (re-requestable, nothing paid), not `failed`. Before the gateway returned a typed cause,
 * the last envelope's `past_time_bound` reason did not match the machine's regular expression and the
 * claim ended `failed`.
 */
describe('a claim whose three envelopes all expire', () => {
  let env: TestEnv;
  let t: TestApp;
  beforeAll(async () => {
    env = await createTestEnv('api_attempts');
    t = await buildApp(env, { env: { STELLAR_TX_TIMEOUT_SECONDS: '5', CLAIM_WAIT_MS: '300' }, reconciler: true });
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('is recorded expired after three envelopes, with three submitted events and one failure event', async () => {
    const keypair = Keypair.random();
    const { headers } = await signIn(t.app, keypair);
    const submissionId = await passQuiz(t.app, headers);
    // Every envelope is accepted, then lost: it never reaches a ledger and its time bound passes.
    env.sandbox.faults.inject({ kind: 'never_confirm', times: 3 });
    const first = (
      await t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } })
    ).json();
    let claim = first;
    for (let i = 0; i < 600 && !['expired', 'failed', 'confirmed'].includes(claim.status); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      claim = (await t.app.inject({ method: 'GET', url: `/rewards/claims/${first.claimId}`, headers })).json();
    }
    expect(claim.status).toBe('expired');
    // Nothing was paid: the learner's account was never created.
    expect(() => env.sandbox.balance(keypair.publicKey())).toThrow(/does not exist/);
    const submitted = (await auditRows(env.schema.pool, 'reward_payout_submitted')).filter(
      (r) => r.resource_id === first.claimId,
    );
    expect(new Set(submitted.map((r) => r.tx_hash)).size).toBe(3);
    const failed = (await auditRows(env.schema.pool, 'reward_claim_failed')).filter(
      (r) => r.resource_id === first.claimId,
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toBe('expired');
  }, 90_000);
});
