import { Keypair } from '@stellar/stellar-sdk';
import { auditRows, buildApp, createTestEnv, passQuiz, signIn, type TestApp, type TestEnv } from './helper';

describe('reward claims', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_claims');
    t = await buildApp(env);
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('pays once and writes one reward_claimed event under 50 concurrent claims of one submission', async () => {
    const keypair = Keypair.random();
    const { headers } = await signIn(t.app, keypair);
    const submissionId = await passQuiz(t.app, headers);
    // A second instance of the service on the same database races the first one.
    const other = await buildApp(env);
    try {
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? other : t).app.inject({
            method: 'POST',
            url: '/rewards/claims',
            headers,
            payload: { submissionId },
          }),
        ),
      );
      expect(responses.map((r) => r.statusCode).sort()).toEqual([...Array(49).fill(200), 201]);
      const claimIds = new Set(responses.map((r) => r.json().claimId));
      expect(claimIds.size).toBe(1);
      const [claimId] = [...claimIds];
      let claim = (await t.app.inject({ method: 'GET', url: `/rewards/claims/${claimId}`, headers })).json();
      for (let i = 0; i < 50 && claim.status !== 'confirmed'; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        claim = (await t.app.inject({ method: 'GET', url: `/rewards/claims/${claimId}`, headers })).json();
      }
      expect(claim.status).toBe('confirmed');
      expect(env.sandbox.balance(keypair.publicKey())).toBe('10.0000000');
      const payouts = env.sandbox.appliedTransactions().filter((tx) => tx.hash === claim.txHash);
      expect(payouts).toHaveLength(1);
      const claimed = (await auditRows(env.schema.pool, 'reward_claimed')).filter((r) => r.resource_id === claimId);
      expect(claimed).toHaveLength(1);
      expect(claimed[0].tx_hash).toBe(claim.txHash);
      expect(
        (await auditRows(env.schema.pool, 'reward_claim_requested')).filter((r) => r.resource_id === claimId),
      ).toHaveLength(1);
    } finally {
      await other.app.close();
    }
  });

  it("refuses another user's submission and claim with 403 and an authz_fail event", async () => {
    const owner = await signIn(t.app);
    const intruder = await signIn(t.app);
    const submissionId = await passQuiz(t.app, owner.headers);
    const stolen = await t.app.inject({
      method: 'POST',
      url: '/rewards/claims',
      headers: intruder.headers,
      payload: { submissionId },
    });
    expect(stolen.statusCode).toBe(403);
    expect(stolen.json()).toMatchObject({ code: 'API_ERR_FORBIDDEN' });
    const own = await t.app.inject({
      method: 'POST',
      url: '/rewards/claims',
      headers: owner.headers,
      payload: { submissionId },
    });
    expect(own.statusCode).toBe(201);
    const peek = await t.app.inject({
      method: 'GET',
      url: `/rewards/claims/${own.json().claimId}`,
      headers: intruder.headers,
    });
    expect(peek.statusCode).toBe(403);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/rewards/claims',
      headers: owner.headers,
      payload: { submissionId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.statusCode).toBe(404);
    const denied = await auditRows(env.schema.pool, 'authz_fail');
    expect(denied.map((r) => r.resource).sort()).toEqual(['reward_claim', 'submission']);
    expect(denied[0].ip).toBeTruthy();
  });

  it('marks a payout that failed on the ledger as failed, with reward_claim_failed', async () => {
    const { headers } = await signIn(t.app);
    const submissionId = await passQuiz(t.app, headers);
    env.sandbox.faults.inject({ kind: 'tx_failed', resultCode: 'opUNDERFUNDED' });
    const response = await t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } });
    expect(response.statusCode).toBe(201);
    const claim = response.json();
    expect(claim.status).toBe('failed');
    expect(claim.resultCode).toMatch(/underfunded/i);
    const failed = (await auditRows(env.schema.pool, 'reward_claim_failed')).filter(
      (r) => r.resource_id === claim.claimId,
    );
    expect(failed).toHaveLength(1);
    expect(failed[0].tx_hash).toBe(claim.txHash);
    expect(await t.metrics.registry.getSingleMetricAsString('reward_claims_total')).toContain(
      'reward_claims_total{status="failed",amount_bucket="1-10"} 1',
    );
    // Asking again re-requests the failed claim (nothing moved on the ledger): it pays once.
    const again = await t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ claimId: claim.claimId, status: 'confirmed' });
    expect(again.json().txHash).not.toBe(claim.txHash);
    const requested = (await auditRows(env.schema.pool, 'reward_claim_requested')).filter(
      (r) => r.resource_id === claim.claimId,
    );
    expect(requested.map((r) => r.metadata.retryOf)).toEqual([null, claim.txHash]);
  });

  it('builds a new envelope only once the old one expired on the ledger, and still pays once', async () => {
    const expiring = await buildApp(env, {
      env: { STELLAR_TX_TIMEOUT_SECONDS: '5', CLAIM_WAIT_MS: '300' },
      reconciler: true,
    });
    try {
      const keypair = Keypair.random();
      const { headers } = await signIn(expiring.app, keypair);
      const submissionId = await passQuiz(expiring.app, headers);
      env.sandbox.faults.inject({ kind: 'never_confirm' });
      const first = (
        await expiring.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } })
      ).json();
      expect(first.status).toBe('submitted');
      let claim = first;
      for (let i = 0; i < 150 && claim.status !== 'confirmed'; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        claim = (await expiring.app.inject({ method: 'GET', url: `/rewards/claims/${first.claimId}`, headers })).json();
        // While the first envelope can still be applied, no other is built.
        if (claim.txHash !== first.txHash) break;
      }
      for (let i = 0; i < 50 && claim.status !== 'confirmed'; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        claim = (await expiring.app.inject({ method: 'GET', url: `/rewards/claims/${first.claimId}`, headers })).json();
      }
      expect(claim.status).toBe('confirmed');
      expect(claim.txHash).not.toBe(first.txHash);
      expect(env.sandbox.appliedTransactions().some((tx) => tx.hash === first.txHash)).toBe(false);
      expect(env.sandbox.balance(keypair.publicKey())).toBe('10.0000000');
      const submitted = (await auditRows(env.schema.pool, 'reward_payout_submitted')).filter(
        (r) => r.resource_id === first.claimId,
      );
      expect(submitted.map((r) => r.tx_hash)).toEqual([first.txHash, claim.txHash]);
    } finally {
      await expiring.app.close();
    }
  });

  it('waits up to CLAIM_WAIT_MS for the outcome also while another instance has a payout in flight', async () => {
    const waiting = await buildApp(env, { env: { CLAIM_WAIT_MS: '15000' } });
    const other = await buildApp(env, { env: { CLAIM_WAIT_MS: '15000' } });
    try {
      const first = await signIn(waiting.app);
      const second = await signIn(waiting.app);
      const firstSubmission = await passQuiz(waiting.app, first.headers);
      const secondSubmission = await passQuiz(waiting.app, second.headers);
      // The first payout is slow to send: its envelope stays in flight for a while.
      env.sandbox.faults.inject({ kind: 'latency', rpcMethod: 'sendTransaction', delayMs: 1500 });
      const slow = waiting.app.inject({
        method: 'POST',
        url: '/rewards/claims',
        headers: first.headers,
        payload: { submissionId: firstSubmission },
      });
      for (let i = 0; i < 100; i += 1) {
        const { rows } = await env.schema.pool.query(
          "SELECT 1 FROM reward_claims WHERE submission_id = $1 AND status = 'submitted'",
          [firstSubmission],
        );
        if (rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const started = Date.now();
      const queued = await other.app.inject({
        method: 'POST',
        url: '/rewards/claims',
        headers: second.headers,
        payload: { submissionId: secondSubmission },
      });
      // Not `requested` at once: it waited for its turn and for its own ledger outcome.
      expect(queued.statusCode).toBe(201);
      expect(queued.json().status).toBe('confirmed');
      expect(Date.now() - started).toBeLessThan(15000);
      expect((await slow).json().status).toBe('confirmed');
    } finally {
      env.sandbox.faults.clear();
      await waiting.app.close();
      await other.app.close();
    }
  });

  it('keeps claims pending while the Stellar RPC is down and finishes them when it is back', async () => {
    const resilient = await buildApp(env, { env: { CLAIM_WAIT_MS: '500' }, reconciler: true });
    try {
      const keypair = Keypair.random();
      const { headers } = await signIn(resilient.app, keypair);
      const submissionId = await passQuiz(resilient.app, headers);
      env.sandbox.faults.inject({ kind: 'http_5xx', times: Number.POSITIVE_INFINITY });
      const response = await resilient.app.inject({
        method: 'POST',
        url: '/rewards/claims',
        headers,
        payload: { submissionId },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ status: 'requested', txHash: null });
      const ready = await resilient.app.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.stellarRpc).toBe('down');
      env.sandbox.faults.clear();
      let claim = response.json();
      for (let i = 0; i < 100 && claim.status !== 'confirmed'; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        claim = (
          await resilient.app.inject({ method: 'GET', url: `/rewards/claims/${claim.claimId}`, headers })
        ).json();
      }
      expect(claim.status).toBe('confirmed');
      expect(env.sandbox.balance(keypair.publicKey())).toBe('10.0000000');
    } finally {
      env.sandbox.faults.clear();
      await resilient.app.close();
    }
  });

  it('answers malformed requests with clear 400s, never a 500', async () => {
    const { headers } = await signIn(t.app);
    const cases = [
      { method: 'POST', url: '/rewards/claims', headers, payload: { submissionId: 'nope' } },
      { method: 'POST', url: '/rewards/claims', headers, payload: { submissionId: 1, extra: true } },
      {
        method: 'POST',
        url: '/rewards/claims',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: '{"submissionId":',
      },
      { method: 'POST', url: '/quizzes/stellar-101-accounts/submissions', headers, payload: { answers: { q1: 'a' } } },
      { method: 'POST', url: '/quizzes/../../etc/submissions', headers, payload: { answers: {} } },
      { method: 'POST', url: '/auth/challenge', payload: { stellarAddress: 'GABC' } },
      {
        method: 'POST',
        url: '/auth/verify',
        payload: { stellarAddress: Keypair.random().publicKey(), challenge: 'x', signature: 'y' },
      },
      { method: 'POST', url: '/auth/challenge', payload: { stellarAddress: 'G'.repeat(20000) } },
      { method: 'GET', url: '/rewards/claims/not-a-uuid', headers },
      { method: 'GET', url: '/quizzes/%00' },
    ] as const;
    for (const c of cases) {
      const response = await t.app.inject(c as never);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(response.json()).toHaveProperty('message');
    }
    const big = await t.app.inject({
      method: 'POST',
      url: '/auth/challenge',
      payload: { stellarAddress: 'G'.repeat(20000) },
    });
    expect(big.statusCode).toBe(413);
    const noToken = await t.app.inject({
      method: 'POST',
      url: '/rewards/claims',
      payload: { submissionId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(noToken.statusCode).toBe(401);
  });
});
