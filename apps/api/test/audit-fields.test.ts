import { Keypair } from '@stellar/stellar-sdk';
import type { FastifyInstance } from 'fastify';
import { buildApp, correctAnswers, createTestEnv, type TestApp, type TestEnv } from './helper';

const UA = 'journey-agent/1.0 (audit fields test)';
const OTHER_UA = 'poller/2.0';

type Field = 'user_id' | 'stellar_address' | 'resource_id' | 'reason' | 'tx_hash' | 'amount' | 'ip' | 'user_agent';

/**
 * Every event a journey writes, with the fields it must carry (besides `event`, `result`, `resource`,
 * `action`, which every row carries) and the resource and action it names.
 */
const EXPECTED: Record<string, { resource: string; action: string; result: string; fields: Field[] }> = {
  authn_login_success: {
    resource: 'session',
    action: 'login',
    result: 'success',
    fields: ['user_id', 'stellar_address', 'ip', 'user_agent'],
  },
  authn_login_fail: {
    resource: 'session',
    action: 'login',
    result: 'failure',
    fields: ['stellar_address', 'reason', 'ip', 'user_agent'],
  },
  quiz_submitted: {
    resource: 'submission',
    action: 'submit',
    result: 'success',
    fields: ['user_id', 'stellar_address', 'resource_id', 'ip', 'user_agent'],
  },
  reward_claim_requested: {
    resource: 'reward_claim',
    action: 'create',
    result: 'success',
    fields: ['user_id', 'stellar_address', 'resource_id', 'amount', 'ip', 'user_agent'],
  },
  reward_payout_submitted: {
    resource: 'reward_claim',
    action: 'submit',
    result: 'success',
    fields: ['user_id', 'stellar_address', 'resource_id', 'tx_hash', 'amount', 'ip', 'user_agent'],
  },
  reward_claimed: {
    resource: 'reward_claim',
    action: 'confirm',
    result: 'success',
    fields: ['user_id', 'stellar_address', 'resource_id', 'tx_hash', 'amount', 'ip', 'user_agent'],
  },
  credential_mint_requested: {
    resource: 'credential',
    action: 'create',
    result: 'success',
    fields: ['user_id', 'stellar_address', 'resource_id', 'ip', 'user_agent'],
  },
  credential_mint_submitted: {
    resource: 'credential',
    action: 'submit',
    result: 'success',
    fields: ['user_id', 'stellar_address', 'resource_id', 'tx_hash', 'ip', 'user_agent'],
  },
  credential_minted: {
    resource: 'credential',
    action: 'confirm',
    result: 'success',
    fields: ['user_id', 'stellar_address', 'resource_id', 'tx_hash', 'ip', 'user_agent'],
  },
  authz_fail: {
    resource: 'reward_claim',
    action: 'read',
    result: 'failure',
    fields: ['user_id', 'stellar_address', 'resource_id', 'reason', 'ip', 'user_agent'],
  },
  excess_rate_limit_exceeded: {
    resource: 'route',
    action: 'request',
    result: 'failure',
    fields: ['resource_id', 'reason', 'ip', 'user_agent'],
  },
};

async function signIn(app: FastifyInstance, keypair: Keypair, userAgent = UA) {
  const stellarAddress = keypair.publicKey();
  const headers = { 'user-agent': userAgent };
  const challenge = await app.inject({ method: 'POST', url: '/auth/challenge', headers, payload: { stellarAddress } });
  const text = challenge.json().challenge as string;
  const signature = Buffer.from(keypair.signMessage(text)).toString('base64');
  const verify = await app.inject({
    method: 'POST',
    url: '/auth/verify',
    headers,
    payload: { stellarAddress, challenge: text, signature },
  });
  expect(verify.statusCode).toBe(200);
  return { authorization: `Bearer ${verify.json().token}`, 'user-agent': userAgent };
}

describe('every audit event of a journey is complete', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_audit_fields');
    t = await buildApp(env, { env: { AUTH_RATE_LIMIT_MAX: '4' }, redis: null });
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('carries event, resource, action, result, the client and the fields of its kind on every row', async () => {
    const app = t.app;
    const learner = Keypair.random();
    const headers = await signIn(app, learner);

    // A refused sign-in (signature of another key).
    const challenge = await app.inject({
      method: 'POST',
      url: '/auth/challenge',
      headers: { 'user-agent': UA },
      payload: { stellarAddress: learner.publicKey() },
    });
    const text = challenge.json().challenge as string;
    const bad = await app.inject({
      method: 'POST',
      url: '/auth/verify',
      headers: { 'user-agent': UA },
      payload: {
        stellarAddress: learner.publicKey(),
        challenge: text,
        signature: Buffer.from(Keypair.random().signMessage(text)).toString('base64'),
      },
    });
    expect(bad.statusCode).toBe(401);

    let claimId = '';
    for (const quizId of ['stellar-101-accounts', 'stellar-101-transactions']) {
      const submission = await app.inject({
        method: 'POST',
        url: `/quizzes/${quizId}/submissions`,
        headers,
        payload: { answers: correctAnswers(quizId) },
      });
      const claim = await app.inject({
        method: 'POST',
        url: '/rewards/claims',
        headers,
        payload: { submissionId: submission.json().submissionId },
      });
      expect(claim.json().status).toBe('confirmed');
      claimId = claim.json().claimId;
      // Polled by another client: the job's later events keep the client that started it.
      await app.inject({
        method: 'GET',
        url: `/rewards/claims/${claimId}`,
        headers: { ...headers, 'user-agent': OTHER_UA },
      });
    }
    const credential = await app.inject({
      method: 'POST',
      url: '/credentials',
      headers,
      payload: { courseId: 'stellar-101' },
    });
    expect(credential.json().status).toBe('confirmed');

    // Another learner asks for the first one's claim.
    const intruder = await signIn(app, Keypair.random());
    expect((await app.inject({ method: 'GET', url: `/rewards/claims/${claimId}`, headers: intruder })).statusCode).toBe(
      403,
    );
    // The challenge route's limit (4 a minute; 3 used so far) is hit.
    for (let i = 0; i < 3; i++) {
      await app.inject({
        method: 'POST',
        url: '/auth/challenge',
        headers: { 'user-agent': UA },
        payload: { stellarAddress: learner.publicKey() },
      });
    }

    // Security events are written after the reply: wait for the last one.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const found = await env.schema.pool.query(
        "SELECT 1 FROM audit_events WHERE event = 'excess_rate_limit_exceeded'",
      );
      if (found.rowCount) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { rows } = await env.schema.pool.query(
      `SELECT event, result, resource, action, user_id, stellar_address, resource_id, reason, tx_hash,
              amount::text, host(ip) AS ip, user_agent FROM audit_events ORDER BY id`,
    );
    expect(new Set(rows.map((r) => r.event))).toEqual(new Set(Object.keys(EXPECTED)));
    const problems: string[] = [];
    for (const row of rows) {
      const want = EXPECTED[row.event]!;
      for (const key of ['resource', 'action', 'result'] as const) {
        if (row[key] !== want[key]) problems.push(`${row.event}.${key} = ${row[key]}, want ${want[key]}`);
      }
      for (const field of want.fields) if (row[field] === null) problems.push(`${row.event}.${field} is empty`);
      if (row.ip !== null && row.ip !== '127.0.0.1') problems.push(`${row.event}.ip = ${row.ip}`);
      if (row.user_agent !== null && row.user_agent !== UA)
        problems.push(`${row.event}.user_agent = ${row.user_agent}`);
    }
    expect(problems).toEqual([]);
    const counts = Object.fromEntries(Object.keys(EXPECTED).map((e) => [e, rows.filter((r) => r.event === e).length]));
    expect(counts).toMatchObject({
      authn_login_success: 2,
      authn_login_fail: 1,
      quiz_submitted: 2,
      reward_claimed: 2,
      reward_payout_submitted: 2,
      credential_minted: 1,
      authz_fail: 1,
      excess_rate_limit_exceeded: 1,
    });
  });
});
