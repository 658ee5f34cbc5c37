import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { ERROR_CODES } from '../src/errors';
import { buildApp, createTestEnv, signIn, type TestApp, type TestEnv } from './helper';

/** Sends raw bytes and returns the raw response (for what no HTTP client would send). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write(request);
  });
}

function envelope(body: string) {
  const parsed = JSON.parse(body);
  expect(Object.keys(parsed).sort()).toEqual(expect.arrayContaining(['code', 'message', 'statusCode']));
  expect(parsed.code).toMatch(/^API_ERR_[A-Z_]+$/);
  expect(ERROR_CODES).toHaveProperty(parsed.code);
  return parsed as { statusCode: number; code: string; message: string };
}

describe('every error in the envelope {statusCode, code: API_ERR_*, message}', () => {
  let env: TestEnv;
  let t: TestApp;
  let base: string;
  let port: number;

  beforeAll(async () => {
    env = await createTestEnv('api_errors');
    t = await buildApp(env, { env: { BODY_LIMIT_BYTES: '2048' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${base}/auth/challenge`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it.each([
    ['invalid JSON `{"a":`', () => post('{"a":'), 400, 'API_ERR_INVALID_JSON'],
    ['an empty JSON body', () => post(''), 400, 'API_ERR_INVALID_JSON'],
    [
      'a body over the limit',
      () => post(JSON.stringify({ stellarAddress: 'G'.repeat(5000) })),
      413,
      'API_ERR_BODY_TOO_LARGE',
    ],
    ['a form body', () => post('a=1', 'application/x-www-form-urlencoded'), 415, 'API_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['a text body', () => post('hello', 'text/plain'), 415, 'API_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['a schema violation', () => post('{"stellarAddress":1}'), 400, 'API_ERR_VALIDATION'],
    ['an unknown route', () => fetch(`${base}/nope?token=secret`), 404, 'API_ERR_ROUTE_NOT_FOUND'],
    [
      'a known method on a path without it',
      () => fetch(`${base}/courses`, { method: 'DELETE' }),
      404,
      'API_ERR_ROUTE_NOT_FOUND',
    ],
    [
      'a method Node knows but no route has',
      () => fetch(`${base}/courses`, { method: 'PROPFIND' }),
      404,
      'API_ERR_ROUTE_NOT_FOUND',
    ],
    ['traversal under /docs (encoded)', () => fetch(`${base}/docs/static/%2e%2e/%2e%2e/package.json`), 'any4xx', null],
    ['traversal under /docs (..%2f)', () => fetch(`${base}/docs/static/..%2f..%2f..%2fpackage.json`), 'any4xx', null],
    ['a URL that does not decode', () => fetch(`${base}/quizzes/%E0%A4%A`), 400, 'API_ERR_BAD_REQUEST'],
    ['a missing static file', () => fetch(`${base}/docs/static/nope.js`), 404, null],
  ] as const)('%s', async (_name, send, status, code) => {
    const response = await send();
    if (status === 'any4xx') {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    } else {
      expect(response.status).toBe(status);
    }
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = envelope(await response.text());
    expect(body.statusCode).toBe(response.status);
    if (code) expect(body.code).toBe(code);
    expect(body.message).not.toMatch(/secret|\/work\/|node_modules|at .*\.js/);
  });

  it('an id the uuid format allows but PostgreSQL refuses (urn:uuid:…) is a 400, not a 500', async () => {
    const { headers } = await signIn(t.app);
    const id = 'urn:uuid:6f1c2a3e-1b2c-4d5e-8f90-123456789abc';
    const sent = [
      fetch(`${base}/rewards/claims/${encodeURIComponent(id)}`, { headers }),
      fetch(`${base}/credentials/${encodeURIComponent(id.toUpperCase())}`, { headers }),
      fetch(`${base}/rewards/claims`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ submissionId: id }),
      }),
    ];
    for (const response of await Promise.all(sent)) {
      expect(response.status).toBe(400);
      expect(envelope(await response.text()).code).toBe('API_ERR_VALIDATION');
    }
  });

  it('an invented method (refused by the HTTP parser) gets the envelope too', async () => {
    const response = await raw(port, 'FOOBAR /courses HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toMatch(/content-type: application\/json/i);
    expect(envelope(response.slice(response.indexOf('\r\n\r\n') + 4))).toMatchObject({
      statusCode: 400,
      code: 'API_ERR_BAD_REQUEST',
    });
  });

  it('a broken request line gets the envelope', async () => {
    const response = await raw(port, 'GET /courses HTTP/9\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    envelope(response.slice(response.indexOf('\r\n\r\n') + 4));
  });

  it('oversized headers are 431 in the envelope', async () => {
    const response = await raw(port, `GET /courses HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(envelope(response.slice(response.indexOf('\r\n\r\n') + 4)).code).toBe('API_ERR_HEADERS_TOO_LARGE');
  });

  it('the README table lists exactly the codes of ERROR_CODES, with their status', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `(API_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]));
  });
});
