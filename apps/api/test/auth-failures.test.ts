import { createHmac } from 'node:crypto';
import { buildApp, createTestEnv, signIn, type TestApp, type TestEnv } from './helper';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 JWT signed with `secret` (as @fastify/jwt would), with the claims given. */
function hs256(secret: string, claims: object): string {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

describe('refused tokens on protected routes are counted and audited, bounded', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_auth_failures');
    t = await buildApp(env);
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('gives each kind its reason, one row per client, reason and minute, and never stores the token', async () => {
    const { headers } = await signIn(t.app);
    const [, payload] = headers.authorization.slice(7).split('.');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: '00000000-0000-4000-8000-000000000001', addr: 'G'.padEnd(56, 'A') };
    const cases: Record<string, string | undefined> = {
      token_missing: undefined,
      token_malformed: 'Bearer not.a-jwt',
      token_expired: `Bearer ${hs256(env.jwtSecret, { ...claims, iat: now - 7200, exp: now - 3600 })}`,
      token_bad_signature: `Bearer ${hs256('another-secret-of-at-least-32-characters!!', { ...claims, iat: now })}`,
      token_unsigned: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    };
    const flood = 25;
    for (const [reason, authorization] of Object.entries(cases)) {
      for (let i = 0; i < flood; i++) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/rewards/claims',
          headers: { 'user-agent': 'token-prober/1', ...(authorization ? { authorization } : {}) },
          payload: { submissionId: '00000000-0000-4000-8000-000000000000' },
        });
        expect({ reason, status: response.statusCode, code: response.json().code }).toEqual({
          reason,
          status: 401,
          code: 'API_ERR_UNAUTHORIZED',
        });
      }
    }
    const metric = await t.metrics.registry.getSingleMetricAsString('auth_attempts_total');
    for (const reason of Object.keys(cases)) {
      expect(metric).toContain(`auth_attempts_total{result="failure",reason="${reason}"} ${flood}`);
    }

    const pool = env.schema.pool;
    const expected = Object.keys(cases).length;
    const deadline = Date.now() + 10_000;
    let rows: Record<string, unknown>[] = [];
    while (Date.now() < deadline) {
      ({ rows } = await pool.query(
        `SELECT event, result, resource, resource_id, action, reason, host(ip) AS ip, user_agent, metadata::text
           FROM audit_events WHERE event = 'authn_token_invalid' ORDER BY reason`,
      ));
      if (rows.length >= expected) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // 125 refused requests, one row per reason (same client, same minute; a minute boundary may add one each).
    expect(rows.length).toBeGreaterThanOrEqual(expected);
    expect(rows.length).toBeLessThanOrEqual(2 * expected);
    expect(new Set(rows.map((r) => r.reason))).toEqual(new Set(Object.keys(cases)));
    for (const row of rows) {
      expect(row).toMatchObject({
        event: 'authn_token_invalid',
        result: 'failure',
        resource: 'route',
        resource_id: '/rewards/claims',
        action: 'authenticate',
        ip: '127.0.0.1',
        user_agent: 'token-prober/1',
      });
    }
    const everything = JSON.stringify((await pool.query('SELECT * FROM audit_events')).rows);
    for (const authorization of Object.values(cases)) {
      if (authorization) expect(everything).not.toContain(authorization.slice(7));
    }
    expect(everything).not.toContain(payload);
  });
});
