import type { TestSchema } from '@app/test-utils';
import { Keypair } from '@stellar/stellar-sdk';
import fc from 'fast-check';
import { createAuditWriter } from '../src/writer';
import { auditSchema, captureLogger } from './helpers';

// Characters that must never be stored or logged raw.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point of the test
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const TOKEN68 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const chars = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A secret inside its carrier text, and the part of it that must never survive. */
interface Secret {
  text: string;
  secret: string;
}

const credential = chars(TOKEN68, 16, 40).map((s) => `Q${s}`); // never starts with a separator
const scheme = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const headerCase = (name: string) =>
  fc.constantFrom(
    name,
    name.toLowerCase(),
    name.toUpperCase(),
    name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()),
  );

const secrets: Record<string, fc.Arbitrary<Secret>> = {
  authorization: fc
    .tuple(
      fc.constantFrom('Authorization', 'Proxy-Authorization').chain(headerCase),
      scheme,
      credential,
      fc.constantFrom(':', ': ', ' : '),
    )
    .map(([name, s, cred, sep]) => ({ text: `${name}${sep}${s} ${cred}`, secret: cred })),
  cookie: fc
    .tuple(fc.constantFrom('Cookie', 'Set-Cookie').chain(headerCase), fc.stringMatching(/^[a-z_]{1,8}$/), credential)
    .map(([name, key, value]) => ({ text: `${name}: ${key}=${value}; Path=/; HttpOnly`, secret: value })),
  jwt: fc
    .tuple(
      fc.constantFrom('HS256', 'RS256', 'ES256', 'none'),
      fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.string(), fc.integer())),
      chars(B64URL, 16, 86),
    )
    .map(([alg, claims, sig]) => {
      const token = `${b64({ alg, typ: 'JWT' })}.${b64({ sub: 'x', ...claims })}.${alg === 'none' ? '' : sig}`;
      return { text: token, secret: token.split('.').slice(0, 2).join('.') };
    }),
  bearer: credential.map((cred) => ({ text: `Bearer ${cred}`, secret: cred })),
  stellarSeed: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => {
    const seed = Keypair.fromRawEd25519Seed(Buffer.from(bytes)).secret();
    return { text: seed, secret: seed.slice(1) };
  }),
};
const anySecret = fc.oneof(...Object.values(secrets));

// Text around a secret: anything at all, including controls, bidi marks and other secrets' look-alikes.
const noise = fc.string({ unit: 'binary', maxLength: 40 });
const separator = fc.constantFrom('', ' ', '\n', '\r\n', '\t', ', ', '; ', '"', '(', '\u0085', '\u2028', '\u202e');
const inText = fc
  .tuple(noise, separator, anySecret, fc.constantFrom('\n', '\r\n', '"', '\u2029'), noise)
  .map(([before, sep, s, end, after]) => ({ text: `${before}${sep}${s.text}${end}${after}`, secret: s.secret }));

/** A [name, value, …] header list like Node's `req.rawHeaders`, with a secret-named header among others. */
const rawHeaders = fc
  .tuple(
    fc
      .constantFrom('Authorization', 'Proxy-Authorization', 'Cookie', 'Set-Cookie', 'X-Api-Key', 'X-Auth-Token')
      .chain(headerCase),
    credential,
    fc.array(fc.tuple(fc.constantFrom('Host', 'Accept', 'User-Agent', 'X-Request-Id'), fc.string({ maxLength: 20 })), {
      maxLength: 4,
    }),
    fc.nat(4),
  )
  .map(([name, value, others, at]) => {
    const pairs: [string, string][] = [...others];
    pairs.splice(Math.min(at, pairs.length), 0, [name, value]);
    return { list: pairs.flat(), secret: value };
  });

/** An event carrying the secret in free text, nested metadata, arrays and header lists. */
const events = fc
  .tuple(inText, inText, rawHeaders, fc.stringMatching(/^[a-z]{1,10}$/), fc.nat(3))
  .map(([a, b, headers, key, depth]) => {
    let nested: unknown = { [key]: b.text, list: [a.text, 1, null] };
    for (let i = 0; i < depth; i++) nested = { [`level${i}`]: nested, items: [nested] };
    return {
      input: {
        event: 'input_validation_fail',
        result: 'failure' as const,
        reason: a.text,
        userAgent: b.text,
        resource: key,
        metadata: { note: a.text, nested, rawHeaders: headers.list },
      },
      secrets: [a.secret, b.secret, headers.secret],
    };
  });

describe('redaction, the whole kind (property-based)', () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await auditSchema('audit_redact_prop');
  });
  afterAll(async () => {
    await schema.drop();
  });

  it('no generated secret, control or bidi character survives into a row or a log line', async () => {
    const { logger, raw } = captureLogger();
    const audit = createAuditWriter({ logger });
    await fc.assert(
      fc.asyncProperty(events, async ({ input, secrets: hidden }) => {
        raw.length = 0;
        const written = await audit.write(schema.pool, input);
        const { rows } = await schema.pool.query(
          'SELECT reason, user_agent, resource, metadata::text AS metadata FROM audit_events WHERE event_id = $1',
          [written.eventId],
        );
        const row = JSON.stringify(rows[0]);
        const stored = [rows[0].reason, rows[0].user_agent, rows[0].metadata];
        const line = raw.join('');
        for (const secret of hidden) {
          expect(row).not.toContain(secret);
          expect(line).not.toContain(secret);
        }
        for (const value of stored) expect(value).not.toMatch(FORBIDDEN);
        // The log line is one line of JSON with no raw control, separator or bidi character.
        expect(line.trimEnd()).not.toMatch(FORBIDDEN);
        expect(() => JSON.parse(line)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('redactLogLine: any pino line keeps its JSON, loses its secrets and raw controls', () => {
    const { redactLogLine } = require('../src/redact') as typeof import('../src/redact');
    const { logger, raw } = captureLogger();
    fc.assert(
      fc.property(inText, inText, rawHeaders, (a, b, headers) => {
        raw.length = 0;
        logger.info({ err: { message: a.text, stack: b.text }, req: { rawHeaders: headers.list }, ua: b.text }, a.text);
        const line = redactLogLine(raw[0]!);
        for (const secret of [a.secret, b.secret, headers.secret]) expect(line).not.toContain(secret);
        expect(line.endsWith('\n')).toBe(true);
        expect(line.trimEnd()).not.toMatch(FORBIDDEN);
        expect(JSON.parse(line)).toMatchObject({ level: 30 });
      }),
      { numRuns: 500 },
    );
  });

  it('each kind alone, in plain text', () => {
    const { sanitizeString } = require('../src/redact') as typeof import('../src/redact');
    for (const [kind, arbitrary] of Object.entries(secrets)) {
      fc.assert(
        fc.property(arbitrary, noise, noise, (s, before, after) => {
          const out = sanitizeString(`${before} ${s.text}\n${after}`, 10_000);
          if (out.includes(s.secret)) throw new Error(`${kind} survived: ${JSON.stringify(out)}`);
        }),
        { numRuns: 500 },
      );
    }
  });
});
