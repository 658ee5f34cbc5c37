import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Keypair } from '@stellar/stellar-sdk';
import { Client } from 'pg';
import { createSettlementListener, JOB_SETTLED_CHANNEL } from '../src/job-outcomes';
import { createLogger } from '../src/logger';
import { buildApp, createTestEnv, passQuiz, seedClaims, signIn, type TestEnv, until } from './helper';

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/**
 * A real HTTP server in front of the sandbox's RPC: forwards every JSON-RPC request, counts them by
 * method, and answers HTTP 503 to the methods in `failing` (a struggling RPC or gateway that fails
 * `getTransaction` only while `getHealth` and `sendTransaction` work).
 */
function rpcFront(target: string) {
  const calls = new Map<string, number>();
  const failing = new Set<string>();
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let method = '?';
      try {
        method = String((JSON.parse(body.toString()) as { method?: unknown }).method);
      } catch {}
      calls.set(method, (calls.get(method) ?? 0) + 1);
      if (failing.has(method)) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable');
        return;
      }
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  return {
    calls,
    failing,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function logSink(lines: Line[]) {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
}

describe('claim requests wait for their outcome without polling', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('api_claim_waiting');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('does not hammer the RPC while getTransaction answers 503 (breaker F5), and pays once it answers again', async () => {
    const front = rpcFront(env.sandbox.url);
    const rpcUrl = await front.start();
    const [reconcileMs, pollMs] = [500, 250];
    // The first envelope is committed and not sent (its instance died, or it is another instance's
    // envelope in flight): waiting requests can only learn its fate by looking it up by hash.
    let crashed = false;
    const lines: Line[] = [];
    const t = await buildApp(env, {
      rpcUrl,
      reconciler: true,
      server: { loggerInstance: createLogger('debug', logSink(lines)) },
      hooks: {
        afterSubmitCommit() {
          if (crashed) return;
          crashed = true;
          throw new Error('crash after the envelope committed');
        },
      },
      env: {
        CLAIM_WAIT_MS: '3000',
        RECONCILE_INTERVAL_MS: String(reconcileMs),
        STELLAR_POLL_INTERVAL_MS: String(pollMs),
      },
    });
    try {
      const learners = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const { headers } = await signIn(t.app);
          return { headers, submissionId: await passQuiz(t.app, headers) };
        }),
      );
      front.failing.add('getTransaction');
      const before = front.calls.get('getTransaction') ?? 0;
      const started = Date.now();
      const responses = await Promise.all(
        learners.map(({ headers, submissionId }) =>
          t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } }),
        ),
      );
      const elapsedMs = Date.now() - started;
      const lookups = (front.calls.get('getTransaction') ?? 0) - before;
      expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
      // Every request waited its CLAIM_WAIT_MS (nothing could settle) ...
      expect(elapsedMs).toBeGreaterThanOrEqual(3000);
      for (const r of responses) expect(['requested', 'submitted']).toContain(r.json().status);
      // ... without a look-up loop of its own: the envelope's submission polls getTransaction every
      // STELLAR_POLL_INTERVAL_MS, a reconciler pass looks a stored envelope up once; the waiting requests
      // add none. Before the fix: hundreds (each waiting request re-drove the machine as soon as its
      // look-up had failed, ~200 look-ups/s).
      expect(lookups).toBeGreaterThan(0);
      expect(lookups).toBeLessThanOrEqual(5 + Math.ceil(elapsedMs / pollMs) + Math.ceil(elapsedMs / reconcileMs));

      // The operator is told once which calls fail and why, although getHealth answers healthy.
      const address = new URL(rpcUrl).origin;
      const told = () =>
        lines.filter((l) => l.msg.startsWith(`Stellar RPC at ${address} keeps failing getTransaction calls`));
      await until('the warning', () => told().length > 0);
      expect(told()).toHaveLength(1);
      expect(told()[0]).toMatchObject({
        level: 40,
        'error.code': 'HTTP 503',
        'rpc.method': 'getTransaction',
        'code.function.name': 'lookup',
      });

      // The RPC answers again: every claim is paid, once.
      front.failing.clear();
      const ids = responses.map((r) => r.json().claimId as string);
      await until('every claim confirmed', async () => {
        const { rows } = await env.schema.pool.query(
          `SELECT count(*)::int AS n FROM reward_claims WHERE id = ANY($1::uuid[]) AND status = 'confirmed'`,
          [ids],
        );
        return rows[0].n === 10;
      });
      const { rows } = await env.schema.pool.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE event = 'reward_claimed' AND resource_id::text = ANY($1::text[])`,
        [ids],
      );
      expect(rows[0].n).toBe(10);
      expect(
        lines.filter((l) => l.msg.startsWith(`Stellar RPC at ${address} answers getTransaction calls again after`)),
      ).toHaveLength(1);
      expect(told()).toHaveLength(1);
    } finally {
      await t.app.close();
      await front.stop();
    }
  });

  it('answers a claim request with the outcome another instance settled', async () => {
    // Instance A cannot reach any RPC (a closed port): its request can only learn the outcome from
    // instance B, which pays the claim (its reconciler picks up the waiting job). A's shared look-up
    // of waited-for jobs runs every 60 s, past the request's 20 s: only B's NOTIFY can wake it in time.
    const closed = rpcFront(env.sandbox.url);
    const closedUrl = await closed.start();
    await closed.stop();
    const a = await buildApp(env, {
      rpcUrl: closedUrl,
      // DATABASE_URL set = a shared PostgreSQL: the app LISTENs (on a connection made with its pool's settings).
      env: {
        CLAIM_WAIT_MS: '20000',
        STELLAR_POLL_INTERVAL_MS: '60000',
        DATABASE_URL: 'postgresql://unused.invalid/db',
      },
    });
    const b = await buildApp(env, { reconciler: true, env: { RECONCILE_INTERVAL_MS: '200' } });
    try {
      await until('instance A listening', () => a.settlements?.listening === true);
      const { headers } = await signIn(a.app, Keypair.random());
      const submissionId = await passQuiz(a.app, headers);
      const response = await a.app.inject({
        method: 'POST',
        url: '/rewards/claims',
        headers,
        payload: { submissionId },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ status: 'confirmed', ledger: expect.any(Number) });
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });
});

describe('settlement listener: NOTIFY from the settling transaction, a lost LISTEN connection', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('api_job_outcomes');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  const settle = (id: string) =>
    env.schema.pool.query(`UPDATE reward_claims SET status = 'failed', result_code = 'op_test' WHERE id = $1`, [id]);

  it('hears each settlement once, reconnects a dropped connection with one warning and one line back', async () => {
    const lines: Line[] = [];
    const heard: string[] = [];
    const listener = createSettlementListener({
      pool: env.schema.pool,
      initialDelayMs: 50,
      log: createLogger('debug', logSink(lines)),
      onSettled: (table, id) => heard.push(`${table}:${id}`),
    });
    try {
      await until('listening', () => listener.listening);
      const [first, second, third] = await seedClaims(env.schema.pool, [
        Keypair.random().publicKey(),
        Keypair.random().publicKey(),
        Keypair.random().publicKey(),
      ]);
      // A change that is not a settlement is not announced; a settlement is, once, at commit.
      await env.schema.pool.query(`UPDATE reward_claims SET updated_at = now() WHERE id = $1`, [second]);
      await settle(first!);
      await until('the settlement heard', () => heard.length > 0);
      await env.schema.pool.query(`UPDATE reward_claims SET updated_at = now() WHERE id = $1`, [first]);
      await settle(third!);
      await until('the second settlement heard', () => heard.length > 1);
      expect(heard).toEqual([`reward_claims:${first}`, `reward_claims:${third}`]);

      // The connection is killed (PostgreSQL restarted, a proxy dropped it): one warning, reconnect, one line back.
      const admin = new Client(env.schema.pool.options);
      await admin.connect();
      try {
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
          [`LISTEN ${JOB_SETTLED_CHANNEL}`],
        );
      } finally {
        await admin.end();
      }
      await until('connection lost', () => !listener.listening);
      await until('listening again', () => listener.listening);
      await settle(second!);
      await until('a settlement heard after reconnecting', () => heard.length > 2);
      expect(heard[2]).toBe(`reward_claims:${second}`);
      const loud = lines.filter((l) => l.level >= 40);
      expect(loud.map((l) => l.msg)).toEqual([
        expect.stringMatching(/^PostgreSQL notification connection .* unavailable/),
      ]);
      expect(lines.filter((l) => /notification connection .* back after/.test(l.msg))).toHaveLength(1);
    } finally {
      await listener.close();
    }
  });
});
