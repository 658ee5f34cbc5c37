import { createHmac, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Keypair } from '@stellar/stellar-sdk';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { ERROR_CODES } from '../src/errors';
import { createLogger } from '../src/logger';
import { buildApp, createTestEnv, signIn, type TestApp, type TestEnv } from './helper';

/**
 * Property: whatever a client sends to any route of the OpenAPI document (generated paths,
 * methods, headers and bodies, valid and not), the service never answers 5xx, every 4xx is the
 * envelope with a documented code, and no secret reaches the logs.
 */
const METRICS_TOKEN = `metrics-${randomUUID()}`;
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

interface Operation {
  method: string;
  path: string;
  params: string[];
  hasBody: boolean;
  secured: boolean;
}

function signJwt(secret: string, claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + 600 })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

describe('fuzz: every route of the OpenAPI document', () => {
  let env: TestEnv;
  let t: TestApp;
  let operations: Operation[];
  let token: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    env = await createTestEnv('api_fuzz');
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    t = await buildApp(env, {
      env: { METRICS_TOKEN, CLAIM_WAIT_MS: '200', BODY_LIMIT_BYTES: '4096' },
      server: { loggerInstance: createLogger('trace', sink) },
      accessLog: true,
    });
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    operations = Object.entries<
      Record<string, { parameters?: Array<{ in: string; name: string }>; security?: unknown[] }>
    >(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        hasBody: 'requestBody' in op,
        secured: (op.security?.length ?? 0) > 0,
      })),
    );
    token = (await signIn(t.app)).headers.authorization.slice('Bearer '.length);
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('lists the routes it drives', () => {
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(
      expect.arrayContaining([
        'POST /auth/challenge',
        'POST /auth/verify',
        'GET /courses',
        'GET /quizzes/{quizId}',
        'POST /quizzes/{quizId}/submissions',
        'POST /rewards/claims',
        'GET /rewards/claims/{claimId}',
        'POST /credentials',
        'GET /credentials/{credentialId}',
        'GET /health',
        'GET /ready',
      ]),
    );
  });

  it('never answers 5xx; every 4xx is the envelope with a documented code; no secret in the logs', async () => {
    const segment = fc.oneof(
      fc.constantFrom('stellar-101-accounts', 'stellar-101', randomUUID(), '00000000-0000-0000-0000-000000000000'),
      // Other spellings of a uuid: ajv's format takes `urn:uuid:…`, PostgreSQL does not.
      fc.uuid().chain((u) => fc.constantFrom(`urn:uuid:${u}`, u.toUpperCase(), u.replaceAll('-', ''), `{${u}}`)),
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.constantFrom('..', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%00', 'a'.repeat(300), '%E0%A4%A', '?x=1', '#'),
    );
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('Bearer', 'bearer', 'BEARER').map((s) => () => `${s} ${token}`),
      fc.constant(() => `Bearer ${signJwt(env.jwtSecret, { sub: randomUUID(), addr: Keypair.random().publicKey() })}`),
      fc.constant(() => `Bearer ${signJwt(env.jwtSecret, { sub: 'admin', addr: 12345 })}`),
      fc.constant(() => `Bearer ${signJwt('another-secret-another-secret-xx', { sub: randomUUID() })}`),
      fc.constant(() => `Bearer ${METRICS_TOKEN}`),
      fc.string({ maxLength: 200 }).map((s) => () => s),
      fc.constantFrom('Basic YTpi', 'Bearer', 'Bearer a.b.c', 'Bearer  x  y').map((s) => () => s),
    );
    const contentType = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json; charset=latin1',
      ),
      fc.string({ maxLength: 40 }),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 200 }),
      fc.constantFrom('{"a":', '', 'null', '[]', '{"answers":{"q1":1e309}}', '{"__proto__":{"x":1}}'),
      fc
        .record(
          {
            stellarAddress: fc.oneof(fc.constant(Keypair.random().publicKey()), fc.string()),
            challenge: fc.string({ maxLength: 100 }),
            signature: fc.base64String({ maxLength: 100 }),
            submissionId: fc.oneof(
              fc.uuid(),
              fc.uuid().map((u) => `urn:uuid:${u}`),
              fc.string(),
            ),
            courseId: fc.oneof(fc.constant('stellar-101'), fc.string()),
            answers: fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.integer(), fc.string(), fc.double())),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
      fc.constant('x'.repeat(5000)),
    );
    const request = fc.record({
      operation: fc.constantFrom(...operations),
      method: fc.oneof(
        fc.constant(null),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'SEARCH'),
      ),
      segments: fc.array(segment, { minLength: 2, maxLength: 2 }),
      encode: fc.boolean(),
      authorization,
      contentType,
      body,
      extraHeader: fc.tuple(fc.constantFrom('x-forwarded-for', 'accept', 'x-request-id', 'cookie'), fc.string()),
      query: fc.option(fc.string({ maxLength: 50 })),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let url = r.operation.path;
        r.operation.params.forEach((name, i) => {
          const value = r.segments[i] ?? '';
          url = url.replace(`{${name}}`, r.encode ? encodeURIComponent(value) : value);
        });
        if (r.query !== null) url += `?q=${encodeURIComponent(r.query)}`;
        const headers: Record<string, string> = {};
        const auth = r.authorization?.();
        if (auth !== undefined) headers.authorization = auth;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        headers[r.extraHeader[0]] = r.extraHeader[1].replace(/[^\t\x20-\x7e]/g, '');
        const options = {
          method: (r.method ?? r.operation.method) as InjectOptions['method'],
          url,
          headers,
          ...(r.body === undefined ? {} : { payload: r.body }),
        } as InjectOptions;
        let response: Awaited<ReturnType<TestApp['app']['inject']>>;
        try {
          response = await t.app.inject(options);
        } catch (error) {
          // light-my-request refuses some inputs before they reach the server (an invalid URL or header).
          if (error instanceof TypeError || (error as { code?: string }).code?.startsWith('ERR_')) return;
          throw error;
        }
        const where = `${options.method} ${url} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
        if (response.statusCode >= 500) throw new Error(`5xx: ${where}`);
        if (response.statusCode >= 400 && options.method !== 'HEAD') {
          if (!/^application\/json/.test(String(response.headers['content-type'])))
            throw new Error(`not JSON: ${where}`);
          const parsed = JSON.parse(response.body);
          if (parsed.statusCode !== response.statusCode || typeof parsed.message !== 'string') {
            throw new Error(`not the envelope: ${where}`);
          }
          if (!(parsed.code in ERROR_CODES)) throw new Error(`undocumented code: ${where}`);
        }
      }),
      { numRuns: RUNS },
    );

    // The secrets this process holds: none may appear in any log line.
    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThan(RUNS / 2);
    for (const secret of [token, env.jwtSecret, METRICS_TOKEN, ...env.sandbox.accounts.map((a) => a.secret)]) {
      expect(logs.includes(secret)).toBe(false);
    }
    expect(logs).not.toMatch(/Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
  }, 240_000);
});
