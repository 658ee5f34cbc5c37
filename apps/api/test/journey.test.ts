import { execFileSync } from 'node:child_process';
import { Keypair } from '@stellar/stellar-sdk';
import { startMetricsServer } from '../src/metrics-server';
import { auditRows, buildApp, correctAnswers, createTestEnv, signIn, type TestApp, type TestEnv } from './helper';

describe('the learner journey', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_journey');
    t = await buildApp(env);
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('takes a brand-new keypair from sign-in to a paid reward and a minted credential', async () => {
    const keypair = Keypair.random();
    const { headers } = await signIn(t.app, keypair);

    const courses = await t.app.inject({ method: 'GET', url: '/courses' });
    expect(courses.statusCode).toBe(200);
    const course = courses.json()[0];
    expect(course.id).toBe('stellar-101');

    const quiz = await t.app.inject({ method: 'GET', url: '/quizzes/stellar-101-accounts' });
    expect(quiz.statusCode).toBe(200);
    expect(quiz.body).not.toContain('answer');
    expect(quiz.json().questions[0].choices.length).toBeGreaterThan(1);

    // A failed attempt first: counted, audited, not claimable.
    const failed = await t.app.inject({
      method: 'POST',
      url: '/quizzes/stellar-101-accounts/submissions',
      headers,
      payload: { answers: correctAnswers('stellar-101-accounts', true) },
    });
    expect(failed.json()).toMatchObject({ passed: false, score: 0 });
    const notPassed = await t.app.inject({
      method: 'POST',
      url: '/rewards/claims',
      headers,
      payload: { submissionId: failed.json().submissionId },
    });
    expect(notPassed.statusCode).toBe(422);

    const claims = [];
    for (const q of course.quizzes) {
      const submission = await t.app.inject({
        method: 'POST',
        url: `/quizzes/${q.id}/submissions`,
        headers,
        payload: { answers: correctAnswers(q.id) },
      });
      expect(submission.statusCode).toBe(201);
      expect(submission.json()).toMatchObject({ passed: true, score: 3 });
      const claim = await t.app.inject({
        method: 'POST',
        url: '/rewards/claims',
        headers,
        payload: { submissionId: submission.json().submissionId },
      });
      expect(claim.statusCode).toBe(201);
      expect(claim.json()).toMatchObject({ status: 'confirmed', txHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      claims.push(claim.json());
      const again = await t.app.inject({ method: 'GET', url: `/rewards/claims/${claim.json().claimId}`, headers });
      expect(again.json().status).toBe('confirmed');
    }
    // The learner's new account was created by the first payout and credited by the second.
    expect(env.sandbox.balance(keypair.publicKey())).toBe('25.0000000');
    for (const c of claims) expect(env.sandbox.sentCount(c.txHash)).toBe(1);

    const credential = await t.app.inject({
      method: 'POST',
      url: '/credentials',
      headers,
      payload: { courseId: 'stellar-101' },
    });
    expect(credential.statusCode).toBe(201);
    expect(credential.json()).toMatchObject({ status: 'confirmed', courseId: 'stellar-101' });
    expect(env.sandbox.mintedCredentials()).toEqual([
      expect.objectContaining({ to: keypair.publicKey(), courseId: 'stellar-101', hash: credential.json().txHash }),
    ]);
    const repeat = await t.app.inject({
      method: 'POST',
      url: '/credentials',
      headers,
      payload: { courseId: 'stellar-101' },
    });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json().credentialId).toBe(credential.json().credentialId);

    // Audit trail: the events of the issue, with tx hash and amount on the payout.
    const pool = env.schema.pool;
    expect(await auditRows(pool, 'quiz_submitted')).toHaveLength(3);
    expect(await auditRows(pool, 'reward_claim_requested')).toHaveLength(2);
    expect(await auditRows(pool, 'reward_payout_submitted')).toHaveLength(2);
    const claimed = await auditRows(pool, 'reward_claimed');
    expect(claimed.map((r) => [r.tx_hash, Number(r.amount)]).sort()).toEqual(
      claims.map((c) => [c.txHash, Number(c.amount)]).sort(),
    );
    expect(await auditRows(pool, 'credential_mint_requested')).toHaveLength(1);
    expect(await auditRows(pool, 'credential_minted')).toHaveLength(1);
    expect(await auditRows(pool, 'authn_login_success')).toHaveLength(1);

    // Business metrics, then the exposition passes promtool.
    // Read through the internal metrics listener, as Prometheus would.
    const listener = await startMetricsServer(t.metrics.registry, '127.0.0.1', 0);
    const scrape = await fetch(listener.url);
    // Anything else on that listener is the service's JSON error envelope.
    const elsewhere = await fetch(listener.url.replace('/metrics', '/other'));
    expect([elsewhere.status, await elsewhere.json()]).toEqual([
      404,
      { statusCode: 404, code: 'API_ERR_ROUTE_NOT_FOUND', message: 'Route GET:/other not found; try GET /metrics' },
    ]);
    await new Promise((resolve) => listener.server.close(resolve));
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toContain('quizzes_completed_total{passed="true"} 2');
    expect(text).toContain('quizzes_completed_total{passed="false"} 1');
    expect(text).toContain('reward_claims_total{status="confirmed",amount_bucket="1-10"} 1');
    expect(text).toContain('reward_claims_total{status="confirmed",amount_bucket="10-100"} 1');
    expect(text).toContain('credentials_minted_total{course_id="stellar-101"} 1');
    expect(text).toContain('auth_attempts_total{result="success",reason="ok"} 1');
    expect(text).toContain('redis_connected 1');
    expect(text).toMatch(/audit_events_written_total\{sink="postgres"\} \d+/);
    expect(text).toContain('http_requests_total{method="POST",route="/rewards/claims",status_code="201"} 2');
    expect(text).toContain('http_requests_total{method="POST",route="/rewards/claims",status_code="422"} 1');
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/quizzes/:quizId",status_code="200"} 1',
    );
    expect(text).toMatch(/stellar_transactions_total\{method="reward_payout",status="success"\} 2/);
    const promtool = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool).toBe('');
  });

  it('never serves /metrics on the public listener without a bearer token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    const token = 'test-metrics-token-not-a-secret';
    const guarded = await buildApp(env, { env: { METRICS_TOKEN: token } });
    try {
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const ok = await guarded.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('http_requests_total');
    } finally {
      await guarded.app.close();
    }
  });
});
