import { createHmac, randomBytes } from 'node:crypto';
import type { TestSchema } from '@app/test-utils';
import { Keypair } from '@stellar/stellar-sdk';
import { securityEvents } from '../src/security-events';
import { createAuditWriter } from '../src/writer';
import { auditSchema, captureLogger, sealAll } from './helpers';

function fakeJwt(): string {
  const b64 = (value: object | Buffer) =>
    Buffer.from(value instanceof Buffer ? value : JSON.stringify(value)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub: 'GABC', exp: Date.now() });
  const sig = createHmac('sha256', randomBytes(16)).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

describe('no secret from a fixture reaches a log line or a row', () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await auditSchema('audit_secrets');
  });
  afterEach(async () => {
    await schema.drop();
  });

  it('redacts JWTs, auth headers, cookies, Stellar seeds and passwords everywhere', async () => {
    const seed = Keypair.random().secret();
    const seed2 = Keypair.random().secret();
    const jwt = fakeJwt();
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const cookie = `sess-${randomBytes(6).toString('hex')}`;
    const apiKey = `key-${randomBytes(6).toString('hex')}`;
    const secrets = [seed, seed2, jwt, password, cookie, apiKey];

    const { logger, raw } = captureLogger();
    const audit = createAuditWriter({ logger });
    const address = Keypair.random().publicKey();
    await audit.write(schema.pool, {
      event: 'reward_claimed',
      result: 'success',
      userId: 'user-1',
      stellarAddress: address,
      userAgent: `curl/8 ${jwt}`,
      reason: `retry with ${seed}`,
      resourceId: `claim?password=${password}`,
      metadata: {
        headers: { authorization: `Bearer ${jwt}`, cookie: `sid=${cookie}`, 'x-api-key': apiKey, accept: 'json' },
        body: { password, secretSeed: seed, nested: [{ note: `signed by ${seed2}` }] },
        error: `connect postgres://app:${password}@db/prod failed`,
        text: `Authorization: Bearer ${jwt}`,
      },
    });
    await audit.write(
      schema.pool,
      securityEvents.authnLoginFail({
        stellarAddress: address,
        ip: '198.51.100.4',
        reason: 'invalid_signature',
        metadata: { challenge: 'abc', token: jwt, cookie },
      }),
    );
    await sealAll(schema.pool);

    const { rows } = await schema.pool.query('SELECT row_to_json(e)::text AS row FROM audit_events e');
    const stored = rows.map((r) => r.row as string).join('\n');
    const logged = raw.join('');
    for (const secret of secrets) {
      expect(stored).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
    // What is not secret survives.
    expect(stored).toContain(address);
    expect(stored).toContain('"accept": "json"');
    expect(logged).toContain('invalid_signature');
  });

  it('refuses a secret seed passed as the Stellar address, without echoing it', async () => {
    const seed = Keypair.random().secret();
    const audit = createAuditWriter();
    const error = await audit
      .write(schema.pool, { event: 'authn_login_fail', result: 'failure', stellarAddress: seed })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/AUDIT_ERR_INVALID_EVENT: audit event field "stellarAddress"/);
    expect((error as Error).message).not.toContain(seed);
  });

  it('neutralises CR/LF so a value cannot forge a log line', async () => {
    const { logger, lines, raw } = captureLogger();
    const audit = createAuditWriter({ logger });
    await audit.write(schema.pool, {
      event: 'input_validation_fail',
      result: 'failure',
      userAgent: 'x\r\n{"audit":true,"event.action":"reward_claimed"}',
      metadata: { 'k\ney': 'a\u2028b' },
    });
    expect(raw).toHaveLength(1);
    expect(lines()[0]!['user_agent.original']).toBe('x\\r\\n{"audit":true,"event.action":"reward_claimed"}');
    const { rows } = await schema.pool.query('SELECT user_agent, metadata FROM audit_events');
    expect(rows[0].user_agent).not.toMatch(/[\r\n]/);
    expect(rows[0].metadata).toEqual({ 'k\\ney': 'a\\u2028b' });
  });
});
