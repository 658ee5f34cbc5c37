import { Keypair } from '@stellar/stellar-sdk';
import { loadConfig } from '../src/config';
import { auditRows, buildApp, createTestEnv, type TestEnv } from './helper';

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

describe('TRUST_PROXY', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('api_trust_proxy');
  });
  afterAll(async () => {
    await env.cleanup();
  });

  /** Three challenges from each of two clients behind one proxy (127.0.0.1), limit 2 per minute. */
  async function twoClientsBehindAProxy(trustProxy: string | undefined) {
    const t = await buildApp(env, {
      env: { AUTH_RATE_LIMIT_MAX: '2', ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }) },
    });
    // Each run starts with fresh rate-limit counters (KEYS patterns are not prefixed by ioredis).
    const keys = await env.client.keys(`${env.redis.prefix}rate-limit:*`);
    if (keys.length > 0) await env.client.del(keys.map((key) => key.slice(env.redis.prefix.length)));
    try {
      const codes: Record<string, number[]> = {};
      for (const client of ['203.0.113.7', '198.51.100.9']) {
        codes[client] = [];
        for (let i = 0; i < 3; i += 1) {
          const response = await t.app.inject({
            method: 'POST',
            url: '/auth/challenge',
            headers: { 'x-forwarded-for': client },
            payload: { stellarAddress: Keypair.random().publicKey() },
          });
          codes[client]!.push(response.statusCode);
        }
      }
      const failed = await t.app.inject({
        method: 'POST',
        url: '/auth/verify',
        headers: { 'x-forwarded-for': '192.0.2.44' },
        payload: { stellarAddress: Keypair.random().publicKey(), challenge: 'x', signature: 'eA==' },
      });
      expect(failed.statusCode).toBe(401);
      return codes;
    } finally {
      await t.app.close();
    }
  }

  it('off by default: X-Forwarded-For is ignored, every client is the proxy', async () => {
    const codes = await twoClientsBehindAProxy(undefined);
    expect(codes).toEqual({ '203.0.113.7': [200, 200, 429], '198.51.100.9': [429, 429, 429] });
    const rows = await waitFor(
      () => auditRows(env.schema.pool, 'authn_login_fail'),
      (r) => r.length >= 1,
    );
    expect(rows.map((r) => r.ip)).toEqual(['127.0.0.1']);
    const limited = await auditRows(env.schema.pool, 'excess_rate_limit_exceeded');
    expect(limited.every((r) => r.ip === '127.0.0.1')).toBe(true);
  });

  it('enabled for the proxy: the forwarded client address reaches the rate limit and the audit rows', async () => {
    const since = (await env.schema.pool.query('SELECT max(created_at) AS t FROM audit_events')).rows[0].t;
    const newRows = async (event: string) =>
      (await auditRows(env.schema.pool, event)).filter((r) => r.created_at > since);
    const codes = await twoClientsBehindAProxy('127.0.0.1');
    expect(codes).toEqual({ '203.0.113.7': [200, 200, 429], '198.51.100.9': [200, 200, 429] });
    const rows = await waitFor(
      () => newRows('authn_login_fail'),
      (r) => r.length >= 1,
    );
    expect(rows.map((r) => r.ip)).toEqual(['192.0.2.44']);
    const limited = await waitFor(
      () => newRows('excess_rate_limit_exceeded'),
      (r) => r.length >= 2,
    );
    expect(limited.map((r) => r.ip).sort()).toEqual(['198.51.100.9', '203.0.113.7']);
  });

  it('trusting every hop: whatever a client writes in X-Forwarded-For, sign-in works and its audit row has an address', async () => {
    const t = await buildApp(env, { env: { TRUST_PROXY: 'true' } });
    try {
      const recorded: Record<string, string> = {};
      const forwards = [
        'not-an-ip',
        '1.2.3.4:5678',
        '[2001:db8::1]:443',
        '203.0.113.8, garbage',
        'garbage, 203.0.113.8',
      ];
      for (const forwarded of forwards) {
        const keypair = Keypair.random();
        const stellarAddress = keypair.publicKey();
        const headers = { 'x-forwarded-for': forwarded };
        const challenge = await t.app.inject({
          method: 'POST',
          url: '/auth/challenge',
          headers,
          payload: { stellarAddress },
        });
        expect(challenge.statusCode).toBe(200);
        const text = challenge.json().challenge as string;
        const signature = Buffer.from(keypair.signMessage(text)).toString('base64');
        const verify = await t.app.inject({
          method: 'POST',
          url: '/auth/verify',
          headers,
          payload: { stellarAddress, challenge: text, signature },
        });
        expect({ forwarded, status: verify.statusCode }).toEqual({ forwarded, status: 200 });
        const rows = (await auditRows(env.schema.pool, 'authn_login_success')).filter(
          (r) => r.stellar_address === stellarAddress,
        );
        recorded[forwarded] = rows[0]?.ip;
      }
      // Trusting every hop, Fastify takes the left-most entry. Not an address: the peer's (here the test
      // client's loopback); with a port or brackets: the address alone.
      expect(recorded).toEqual({
        'not-an-ip': '127.0.0.1',
        '1.2.3.4:5678': '1.2.3.4',
        '[2001:db8::1]:443': '2001:db8::1',
        '203.0.113.8, garbage': '203.0.113.8',
        'garbage, 203.0.113.8': '127.0.0.1',
      });
    } finally {
      await t.app.close();
    }
  });

  it('parses true, false, addresses and CIDRs; refuses hop counts and garbage', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '::1',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: '2' })).toThrow(/hop counts/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.local' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
  });
});
