import { createHmac, randomUUID } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import { auditRows, buildApp, correctAnswers, createTestEnv, signIn, type TestApp, type TestEnv } from './helper';

const QUIZ = 'stellar-101-accounts';

/** An HS256 JWT signed with `secret`, as the service (or a previous deployment of it) signs them. */
function signJwt(secret: string, claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + 600 })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

describe('tokens the server signed, with a bad subject', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_token_subject');
    t = await buildApp(env);
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  const address = Keypair.random().publicKey();
  // Signed with the service's own secret: only the claims are wrong.
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown user (signed before a database reset)', { sub: randomUUID(), addr: address }, 'token_subject_unknown'],
    ['sub "admin"', { sub: 'admin', addr: address }, 'token_subject_malformed'],
    ['sub 12345 (a number)', { sub: 12345, addr: address }, 'token_subject_malformed'],
    ['no sub', { addr: address }, 'token_subject_malformed'],
    ['no addr', { sub: randomUUID() }, 'token_subject_malformed'],
  ];
  const routes = [
    { method: 'POST' as const, url: `/quizzes/${QUIZ}/submissions`, payload: { answers: correctAnswers(QUIZ) } },
    { method: 'POST' as const, url: '/credentials', payload: { courseId: 'stellar-101' } },
    { method: 'POST' as const, url: '/rewards/claims', payload: { submissionId: randomUUID() } },
    { method: 'GET' as const, url: `/rewards/claims/${randomUUID()}` },
  ];

  it.each(cases)(
    '%s: 401 API_ERR_UNAUTHORIZED on every protected route, counted and audited',
    async (_name, claims, reason) => {
      const token = signJwt(env.jwtSecret, claims);
      for (const route of routes) {
        const response = await t.app.inject({ ...route, headers: { authorization: `Bearer ${token}` } });
        expect({ url: route.url, status: response.statusCode }).toEqual({ url: route.url, status: 401 });
        expect(response.json()).toEqual({ statusCode: 401, code: 'API_ERR_UNAUTHORIZED', message: expect.any(String) });
      }
      expect(await t.metrics.registry.getSingleMetricAsString('auth_attempts_total')).toMatch(
        new RegExp(`auth_attempts_total\\{result="failure",reason="${reason}"\\} [1-9]`),
      );
      const rows = await waitFor(
        () => auditRows(env.schema.pool, 'authn_token_invalid'),
        (r) => r.some((row) => row.reason === reason),
      );
      const row = rows.find((r) => r.reason === reason)!;
      expect(row).toMatchObject({ result: 'failure', ip: expect.any(String) });
      expect(JSON.stringify(row)).not.toContain(token);
    },
  );

  it('a token whose addr is not the user’s account is refused', async () => {
    const { headers } = await signIn(t.app);
    const userId = JSON.parse(Buffer.from(headers.authorization.split('.')[1]!, 'base64url').toString()).sub;
    const forged = signJwt(env.jwtSecret, { sub: userId, addr: Keypair.random().publicKey() });
    const response = await t.app.inject({
      method: 'POST',
      url: `/quizzes/${QUIZ}/submissions`,
      headers: { authorization: `Bearer ${forged}` },
      payload: { answers: correctAnswers(QUIZ) },
    });
    expect(response.statusCode).toBe(401);
  });

  it('accepts the scheme in any case: `bearer`, `BEARER`', async () => {
    const { headers } = await signIn(t.app);
    const token = headers.authorization.slice('Bearer '.length);
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const response = await t.app.inject({
        method: 'POST',
        url: `/quizzes/${QUIZ}/submissions`,
        headers: { authorization: `${scheme} ${token}` },
        payload: { answers: correctAnswers(QUIZ, true) },
      });
      expect({ scheme, status: response.statusCode }).toEqual({ scheme, status: 201 });
    }
  });

  it('the public /metrics bearer check is case-insensitive and answers the JSON envelope', async () => {
    const token = 'test-metrics-token-not-a-secret';
    const guarded = await buildApp(env, { env: { METRICS_TOKEN: token } });
    try {
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`, token]) {
        const refused = await guarded.app.inject({
          method: 'GET',
          url: '/metrics',
          ...(authorization ? { headers: { authorization } } : {}),
        });
        expect(refused.statusCode).toBe(401);
        expect(refused.headers['content-type']).toMatch(/^application\/json/);
        expect(refused.json()).toEqual({ statusCode: 401, code: 'API_ERR_UNAUTHORIZED', message: expect.any(String) });
      }
      for (const scheme of ['bearer', 'Bearer', 'BEARER']) {
        const ok = await guarded.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: `${scheme} ${token}` },
        });
        expect(ok.statusCode).toBe(200);
        expect(ok.body).toContain('http_requests_total');
      }
    } finally {
      await guarded.app.close();
    }
  });
});
