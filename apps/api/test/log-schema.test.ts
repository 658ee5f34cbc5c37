import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import fc from 'fast-check';
import { Client } from 'pg';

/** A local OTLP/HTTP sink keeping every body it receives (the spans, as JSON text). */
async function startSink(): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, bodies, server };
}

const TOKEN68 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
const credential = fc.string({ unit: fc.constantFrom(...TOKEN68), minLength: 20, maxLength: 40 }).map((s) => `Q${s}`);
const seedArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Keypair.fromRawEd25519Seed(Buffer.from(bytes)).secret());
const schemeArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{2,12}$/);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwtArb = fc.tuple(fc.string({ minLength: 8, maxLength: 16 }), credential).map(([sub, key]) => {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: 4102444800 })}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
});

/** Every dotted path of a line (dotted keys expanded as Elasticsearch does), with its kind. */
function paths(value: unknown, prefix: string, out: Map<string, Set<string>>): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'array' : 'scalar';
    const set = out.get(prefix) ?? new Set();
    set.add(kind);
    out.set(prefix, set);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const parts = key.split('.');
    let path = prefix;
    for (const part of parts.slice(0, -1)) {
      path = path ? `${path}.${part}` : part;
      out.set(path, (out.get(path) ?? new Set()).add('object'));
    }
    const leaf = path ? `${path}.${parts.at(-1)}` : parts.at(-1)!;
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      out.set(leaf, (out.get(leaf) ?? new Set()).add('object'));
    }
    paths(item, leaf, out);
  }
}

describe('the service as `npm start` runs it: stdout is JSON of one schema, no secret anywhere', () => {
  let sink: Awaited<ReturnType<typeof startSink>>;
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    sink = await startSink();
    // The embedded default (PGlite, in-process store, Stellar sandbox), preloaded with tracing as npm start does.
    child = spawn(
      process.execPath,
      ['--import', '@app/tracing/register', path.join(__dirname, '..', 'dist', 'server.js')],
      {
        cwd: path.join(__dirname, '..'),
        env: {
          PATH: process.env.PATH,
          PORT: '0',
          HOST: '127.0.0.1',
          METRICS_PORT: '0',
          OTEL_SERVICE_NAME: 'api-log-schema-test',
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          OTEL_BSP_SCHEDULE_DELAY: '100',
          STELLAR_POLL_INTERVAL_MS: '100',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // PGlite, the sandbox and the tracing preload start slowly on a loaded 2-core machine: wait for the banner.
    const deadline = Date.now() + 150_000;
    while (!/^Audit /m.test(stderr)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`service did not start:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 180_000);

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    sink.server.close();
  });

  it('journey, secret-laden requests, SIGTERM: every stdout line JSON, no key both scalar and object, ECS access lines', async () => {
    const api = /API\s+(http:\/\/\S+)/.exec(stderr)![1]!;
    const metricsUrl = /Metrics\s+(http:\/\/\S+)/.exec(stderr)![1]!;
    const database = /(postgresql:\/\/\S+?);? data is lost/.exec(stderr)![1]!;

    // A journey as the README tells a user to drive it.
    const journey = spawn(process.execPath, [path.join(__dirname, '..', 'scripts', 'journey.mjs'), api], {
      stdio: 'ignore',
    });
    expect(await new Promise((resolve) => journey.once('exit', resolve))).toBe(0);

    // Generated secrets in every place a client can put them.
    const secrets: string[] = [];
    const samples = fc.sample(fc.tuple(schemeArb, credential, credential, seedArb, jwtArb, credential), {
      numRuns: 5,
    });
    for (const [scheme, cred, cookie, seed, jwt, key] of samples) {
      secrets.push(cred, cookie, seed, jwt, key);
      const headers = {
        authorization: `${scheme} ${cred}`,
        cookie: `sid=${cookie}; theme=dark`,
        // Header values are Latin-1 on the wire: C1 controls (NEL, CSI) fit; the bidi override goes in the body.
        'user-agent': `probe/1 ${seed}\u0085forged\u009bline`,
        'x-api-key': key,
      };
      await fetch(`${api}/courses?token=${key}&seed=${seed}`, { headers });
      await fetch(`${api}/rewards/claims`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: JSON.stringify({ submissionId: seed }),
      });
      await fetch(`${api}/auth/challenge`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ stellarAddress: `${seed}\u202e`, password: cred }),
      });
    }
    const metrics = await (await fetch(metricsUrl)).text();

    const db = new Client({ connectionString: database });
    await db.connect();
    const rows = JSON.stringify((await db.query('SELECT * FROM audit_events')).rows);
    const tokenRows = await db.query("SELECT count(*)::int AS n FROM audit_events WHERE event = 'authn_token_invalid'");
    await db.end();
    expect(tokenRows.rows[0].n).toBeGreaterThan(0);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const spans = sink.bodies.join('\n');
    expect(spans).toContain('api-log-schema-test');

    // 1. stdout carries JSON lines only; the banner went to stderr.
    const lines = stdout.split('\n').filter((line) => line !== '');
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not JSON on stdout: ${line}`);
      }
    });
    expect(stderr).toMatch(/^API\s+http/m);

    // 2. No field is an object on one line and a scalar on another (dynamic mappings would refuse it).
    const kinds = new Map<string, Set<string>>();
    for (const line of parsed) paths(line, '', kinds);
    const conflicts = [...kinds]
      .filter(([, set]) => set.has('object') && set.size > 1)
      .map(([p, set]) => `${p}: ${[...set]}`);
    expect(conflicts).toEqual([]);

    // 3. Access lines in ECS names; audit lines marked by event.dataset.
    const access = parsed.filter((l) => l['event.dataset'] === 'access');
    expect(access.length).toBeGreaterThan(20);
    for (const line of access) {
      expect(line).toMatchObject({
        'http.request.method': expect.any(String),
        'url.path': expect.stringMatching(/^\/[^?]*$/),
        'http.route': expect.any(String),
        'http.response.status_code': expect.any(Number),
        'event.duration': expect.any(Number),
        'source.ip': '127.0.0.1',
      });
      expect(Number.isInteger(line['event.duration'])).toBe(true);
    }
    const audit = parsed.filter((l) => l['event.dataset'] === 'audit');
    expect(audit.length).toBeGreaterThan(10);
    for (const line of audit) expect(line).toMatchObject({ 'event.kind': 'event', 'event.action': expect.any(String) });
    expect(parsed.some((l) => l['event.dataset'] === 'audit.chain')).toBe(true);

    // 4. No generated secret in stdout, stderr, audit rows, spans or /metrics; no raw C1 or bidi character.
    for (const secret of secrets) {
      for (const [where, text] of Object.entries({ stdout, stderr, rows, spans, metrics })) {
        if (text.includes(secret)) {
          const at = text.indexOf(secret);
          throw new Error(`a generated secret reached ${where}: …${text.slice(Math.max(0, at - 150), at + 60)}`);
        }
      }
    }
    expect(stdout).not.toMatch(/[\u0085\u009b\u202e]/);
    expect(rows).not.toMatch(/[\u0085\u009b\u202e]/);
  }, 240_000);
});
