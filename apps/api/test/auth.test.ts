import { Keypair } from '@stellar/stellar-sdk';
import { auditRows, buildApp, createTestEnv, signIn, type TestApp, type TestEnv } from './helper';

describe('SEP-53 sign-in', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_auth');
    t = await buildApp(env, { env: { AUTH_RATE_LIMIT_MAX: '5' } });
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  const challengeFor = async (stellarAddress: string, ip = '10.0.0.1') =>
    (
      await t.app.inject({ method: 'POST', url: '/auth/challenge', payload: { stellarAddress }, remoteAddress: ip })
    ).json().challenge as string;

  it('stores a single-use challenge with a TTL in Redis under the test prefix', async () => {
    const stellarAddress = Keypair.random().publicKey();
    const challenge = await challengeFor(stellarAddress, '10.0.1.1');
    const nonce = /Nonce: (\S+)/.exec(challenge)![1];
    const ttl = await env.client.ttl(`auth:challenge:${stellarAddress}:${nonce}`);
    expect(ttl).toBeGreaterThan(250);
    expect(ttl).toBeLessThanOrEqual(300);
  });

  it('refuses a reused challenge, a wrong key and a forged signature with 401, audited and counted', async () => {
    const keypair = Keypair.random();
    const stellarAddress = keypair.publicKey();
    const challenge = await challengeFor(stellarAddress, '10.0.2.1');
    const signature = Buffer.from(keypair.signMessage(challenge)).toString('base64');
    const verify = (payload: object) =>
      t.app.inject({ method: 'POST', url: '/auth/verify', payload, remoteAddress: '10.0.2.1' });
    expect((await verify({ stellarAddress, challenge, signature })).statusCode).toBe(200);
    const replay = await verify({ stellarAddress, challenge, signature });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().message).toContain('unknown_or_used_challenge');

    const fresh = await challengeFor(stellarAddress, '10.0.2.1');
    const forged = Buffer.from(Keypair.random().signMessage(fresh)).toString('base64');
    const bad = await verify({ stellarAddress, challenge: fresh, signature: forged });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().message).toContain('invalid_signature');

    const failures = (await auditRows(env.schema.pool, 'authn_login_fail')).filter(
      (r) => r.stellar_address === stellarAddress,
    );
    expect(failures.map((r) => r.reason).sort()).toEqual(['invalid_signature', 'unknown_or_used_challenge']);
    expect(failures.every((r) => r.ip === '10.0.2.1')).toBe(true);
    const metric = await t.metrics.registry.getSingleMetricAsString('auth_attempts_total');
    expect(metric).toContain('auth_attempts_total{result="failure",reason="invalid_signature"} 1');
    expect(metric).toContain('auth_attempts_total{result="failure",reason="unknown_or_used_challenge"} 1');
  });

  it('rate limits the auth routes per IP in Redis, with a 429 and an audit event', async () => {
    const stellarAddress = Keypair.random().publicKey();
    const codes: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/auth/challenge',
        payload: { stellarAddress },
        remoteAddress: '10.0.3.1',
      });
      codes.push(response.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    // Another IP is not limited.
    expect(await challengeFor(stellarAddress, '10.0.3.2')).toContain(stellarAddress);
    // The security event is written off the request path: give it a moment.
    let hits: Awaited<ReturnType<typeof auditRows>> = [];
    for (let i = 0; i < 20 && hits.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      hits = (await auditRows(env.schema.pool, 'excess_rate_limit_exceeded')).filter((r) => r.ip === '10.0.3.1');
    }
    // Two refused requests, one audit row: a flood is audited once per client, route and minute.
    expect(hits).toHaveLength(1);
    expect(hits[0].resource_id).toBe('/auth/challenge');
    expect(await env.client.keys(`${env.redis.prefix}rate-limit:*`)).not.toHaveLength(0);
  });

  it('signs the token so that other routes accept it and reject a tampered one', async () => {
    const { headers } = await signIn(t.app, Keypair.random());
    const [h, p] = headers.authorization.slice(7).split('.');
    const tampered = `Bearer ${h}.${p}.${'A'.repeat(43)}`;
    const response = await t.app.inject({
      method: 'GET',
      url: '/rewards/claims/00000000-0000-4000-8000-000000000000',
      headers: { authorization: tampered },
    });
    expect(response.statusCode).toBe(401);
  });

  it('authenticates before reading the body: a bad token with a malformed body is 401, not 400', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/rewards/claims',
      headers: { authorization: 'Bearer not.a.jwt', 'content-type': 'application/json' },
      payload: '{"submissionId": 42',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'API_ERR_UNAUTHORIZED' });
  });
});
