import { Keypair } from '@stellar/stellar-sdk';
import { Redis } from 'ioredis';
import {
  auditRows,
  buildApp,
  correctAnswers,
  createTestEnv,
  passQuiz,
  signIn,
  type TestApp,
  type TestEnv,
} from './helper';

const QUIZ = 'stellar-101-accounts';

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

describe('reward farming', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_farming');
    t = await buildApp(env);
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('pays one reward for three passed submissions of one quiz; the other claims are 409, counted and audited', async () => {
    const keypair = Keypair.random();
    const { headers } = await signIn(t.app, keypair);
    const submissions = [
      await passQuiz(t.app, headers, QUIZ),
      await passQuiz(t.app, headers, QUIZ),
      await passQuiz(t.app, headers, QUIZ),
    ];
    const claims = [];
    for (const submissionId of submissions) {
      claims.push(await t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } }));
    }
    expect(claims.map((r) => r.statusCode)).toEqual([201, 409, 409]);
    expect(claims[0]!.json().status).toBe('confirmed');
    for (const refused of claims.slice(1)) {
      expect(refused.json()).toEqual({
        statusCode: 409,
        code: 'API_ERR_REWARD_ALREADY_CLAIMED',
        message: expect.stringContaining(claims[0]!.json().claimId),
      });
    }
    // The first claim asked again is still the same claim (idempotent, not a refusal).
    const again = await t.app.inject({
      method: 'POST',
      url: '/rewards/claims',
      headers,
      payload: { submissionId: submissions[0] },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().claimId).toBe(claims[0]!.json().claimId);
    expect(env.sandbox.balance(keypair.publicKey())).toBe('10.0000000');
    expect(await t.metrics.registry.getSingleMetricAsString('reward_claims_rejected_total')).toContain(
      'reward_claims_rejected_total{reason="already_claimed"} 2',
    );
    const rejected = (await auditRows(env.schema.pool, 'reward_claim_rejected')).filter(
      (r) => r.stellar_address === keypair.publicKey(),
    );
    expect(rejected.map((r) => [r.resource_id, r.reason, r.result])).toEqual([
      [submissions[1], 'already_claimed', 'failure'],
      [submissions[2], 'already_claimed', 'failure'],
    ]);
  });

  it('a submission id in any letter case is the same submission: 200 with the same claim, no farming signal', async () => {
    const keypair = Keypair.random();
    const { headers } = await signIn(t.app, keypair);
    const submissionId = await passQuiz(t.app, headers, QUIZ);
    const first = await t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } });
    expect(first.statusCode).toBe(201);
    const rejectedBefore = await t.metrics.registry.getSingleMetricAsString('reward_claims_rejected_total');
    // Upper case, and a mix (every other hex letter upper-cased).
    const mixed = [...submissionId].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    for (const spelling of [submissionId.toUpperCase(), mixed]) {
      const again = await t.app.inject({
        method: 'POST',
        url: '/rewards/claims',
        headers,
        payload: { submissionId: spelling },
      });
      expect([again.statusCode, again.json().claimId]).toEqual([200, first.json().claimId]);
    }
    expect(await t.metrics.registry.getSingleMetricAsString('reward_claims_rejected_total')).toBe(rejectedBefore);
    const rejected = (await auditRows(env.schema.pool, 'reward_claim_rejected')).filter(
      (r) => r.stellar_address === keypair.publicKey(),
    );
    expect(rejected).toEqual([]);
  });

  it('pays once when many passed submissions of one quiz are claimed at once over two instances', async () => {
    const keypair = Keypair.random();
    const { headers } = await signIn(t.app, keypair);
    const submissions = await Promise.all(Array.from({ length: 12 }, () => passQuiz(t.app, headers, QUIZ)));
    const other = await buildApp(env);
    try {
      const responses = await Promise.all(
        submissions.flatMap((submissionId, i) =>
          [t, other].map((instance) =>
            instance.app.inject({
              method: 'POST',
              url: '/rewards/claims',
              headers,
              payload: { submissionId },
              query: { i: String(i) },
            }),
          ),
        ),
      );
      const codes = responses.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 201)).toHaveLength(1);
      expect(codes.every((c) => c === 201 || c === 200 || c === 409)).toBe(true);
      const winner = responses.find((r) => r.statusCode === 201)!.json();
      // Only the winning submission's twin request may answer 200 (the same claim); every other submission is 409.
      for (const r of responses.filter((r) => r.statusCode === 200)) expect(r.json().claimId).toBe(winner.claimId);
      const { rows } = await env.schema.pool.query(
        'SELECT count(*)::int AS n FROM reward_claims c JOIN users u ON u.id = c.user_id WHERE u.stellar_address = $1',
        [keypair.publicKey()],
      );
      expect(rows[0].n).toBe(1);
      const settled = await waitFor(
        async () =>
          (await t.app.inject({ method: 'GET', url: `/rewards/claims/${winner.claimId}`, headers })).json().status,
        (s) => s === 'confirmed',
      );
      expect(settled).toBe('confirmed');
      expect(env.sandbox.balance(keypair.publicKey())).toBe('10.0000000');
      const txHash = (await t.app.inject({ method: 'GET', url: `/rewards/claims/${winner.claimId}`, headers })).json()
        .txHash;
      expect(env.sandbox.appliedTransactions().filter((tx) => tx.hash === txHash)).toHaveLength(1);
    } finally {
      await other.app.close();
    }
  });

  it('the database refuses a second claim of a quiz even without the service checks (unique learner+quiz)', async () => {
    const { headers } = await signIn(t.app);
    const first = await passQuiz(t.app, headers, QUIZ);
    const second = await passQuiz(t.app, headers, QUIZ);
    const response = await t.app.inject({
      method: 'POST',
      url: '/rewards/claims',
      headers,
      payload: { submissionId: first },
    });
    expect(response.statusCode).toBe(201);
    const claim = (await env.schema.pool.query('SELECT * FROM reward_claims WHERE id = $1', [response.json().claimId]))
      .rows[0];
    await expect(
      env.schema.pool.query(
        `INSERT INTO reward_claims (submission_id, quiz_id, user_id, destination, amount, status)
         VALUES ($1, $2, $3, $4, 10, 'requested')`,
        [second, QUIZ, claim.user_id, claim.destination],
      ),
    ).rejects.toThrow(/reward_claims_one_per_learner_quiz/);
  });
});

describe('per-learner limits in Redis', () => {
  let env: TestEnv;
  const limits = {
    SUBMISSION_RATE_LIMIT_MAX: '3',
    SUBMISSION_RATE_LIMIT_WINDOW_SECONDS: '3600',
    CLAIM_RATE_LIMIT_MAX: '2',
  };

  beforeAll(async () => {
    env = await createTestEnv('api_learner_limits');
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('counts submissions of one learner across two instances; the next is 429, counted and audited', async () => {
    const a = await buildApp(env, { env: limits });
    const b = await buildApp(env, { env: limits });
    try {
      const learner = await signIn(a.app);
      const bystander = await signIn(a.app);
      const submit = (app: TestApp, headers: Record<string, string>) =>
        app.app.inject({
          method: 'POST',
          url: `/quizzes/${QUIZ}/submissions`,
          headers,
          payload: { answers: correctAnswers(QUIZ, true) },
        });
      const codes = [];
      for (const instance of [a, b, a, b]) codes.push((await submit(instance, learner.headers)).statusCode);
      expect(codes).toEqual([201, 201, 201, 429]);
      const refused = await submit(a, learner.headers);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ statusCode: 429, code: 'API_ERR_RATE_LIMITED' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Another learner has a counter of their own.
      expect((await submit(b, bystander.headers)).statusCode).toBe(201);
      expect(await b.metrics.registry.getSingleMetricAsString('rate_limit_exceeded_total')).toContain(
        'rate_limit_exceeded_total{limit="quiz_submission"} 1',
      );
      const rows = await waitFor(
        () => auditRows(env.schema.pool, 'excess_rate_limit_exceeded'),
        (r) => r.length > 0,
      );
      const userId = (
        await env.schema.pool.query('SELECT id FROM users WHERE stellar_address = $1', [learner.keypair.publicKey()])
      ).rows[0].id;
      expect(rows.find((r) => r.user_id === userId)).toMatchObject({
        resource_id: '/quizzes/:quizId/submissions',
        reason: 'rate_limited',
      });
      // The counter is in Redis, under the service's prefix.
      // KEYS patterns are not prefixed by ioredis: the test's own prefix, written out.
      const keys = await env.client.keys(`${env.redis.prefix}rate-limit:*`);
      expect(keys.some((k) => k.includes(`learner:${userId}`))).toBe(true);
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });

  it('limits claims per learner and counts them under reward_claim', async () => {
    const app = await buildApp(env, { env: limits });
    try {
      const { headers } = await signIn(app.app);
      const submissionId = await passQuiz(app.app, headers, QUIZ);
      const codes = [];
      for (let i = 0; i < 3; i += 1) {
        codes.push(
          (await app.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } }))
            .statusCode,
        );
      }
      expect(codes).toEqual([201, 200, 429]);
      expect(await app.metrics.registry.getSingleMetricAsString('rate_limit_exceeded_total')).toContain(
        'rate_limit_exceeded_total{limit="reward_claim"} 1',
      );
    } finally {
      await app.app.close();
    }
  });

  it('with Redis unreachable, each instance still limits in memory (the documented fallback)', async () => {
    const healthy = await buildApp(env, { env: limits });
    // A client of a Redis that is not there: never ready.
    const dead = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0 });
    const cut = await buildApp(env, { env: limits, redis: dead });
    try {
      const { headers } = await signIn(healthy.app);
      const codes = [];
      for (let i = 0; i < 4; i += 1) {
        codes.push(
          (
            await cut.app.inject({
              method: 'POST',
              url: `/quizzes/${QUIZ}/submissions`,
              headers,
              payload: { answers: correctAnswers(QUIZ, true) },
            })
          ).statusCode,
        );
      }
      expect(codes).toEqual([201, 201, 201, 429]);
    } finally {
      await healthy.app.close();
      await cut.app.close();
      dead.disconnect();
    }
  });
});
