import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import { correctAnswers, createTestEnv, sleep, type TestEnv } from './helper';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind (2 = SERVER). */
  kind?: number;
  attributes?: Array<{
    key: string;
    value: { stringValue?: string; intValue?: string; arrayValue?: { values?: Array<{ stringValue?: string }> } };
  }>;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A local OTLP/HTTP (JSON) collector keeping every span it receives. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans, server };
}

const attr = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};
/** A string-array attribute (e.g. the job ids of an envelope's span). */
const attrList = (span: OtlpSpan, key: string) =>
  span.attributes?.find((a) => a.key === key)?.value.arrayValue?.values?.map((v) => v.stringValue) ?? [];

describe('tracing, through the preloaded service', () => {
  let env: TestEnv;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let child: ChildProcess;
  let logs = '';
  let url: string;

  beforeAll(async () => {
    env = await createTestEnv('api_tracing');
    collector = await startCollector();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      ['--import', '@app/tracing/register', path.join(__dirname, '..', 'dist', 'server.js')],
      {
        cwd: path.join(__dirname, '..'),
        env: {
          PATH: process.env.PATH,
          PORT: String(port),
          HOST: '127.0.0.1',
          METRICS_PORT: '0',
          OTEL_SERVICE_NAME: 'api-tracing-test',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          // The collector stand-in reads JSON; the default is http/protobuf.
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '100',
          JWT_SECRET: env.jwtSecret,
          DATABASE_URL: `postgresql://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${
            process.env.PGPORT ?? 5432
          }/${process.env.PGDATABASE ?? 'test'}?options=${encodeURIComponent(`-c search_path=${env.schema.name}`)}`,
          REDIS_URL: `redis://${process.env.REDIS_HOST ?? '127.0.0.1'}:${process.env.REDIS_PORT ?? 6379}`,
          REDIS_KEY_PREFIX: env.redis.prefix,
          STELLAR_RPC_URL: env.sandbox.url,
          STELLAR_NETWORK_PASSPHRASE: env.sandbox.networkPassphrase,
          STELLAR_DISTRIBUTOR_SECRET: env.sandbox.accounts[0]!.secret,
          STELLAR_ISSUER_SECRET: env.sandbox.accounts[1]!.secret,
          STELLAR_CREDENTIAL_CONTRACT_ID: env.sandbox.credentialContractId,
          STELLAR_POLL_INTERVAL_MS: '100',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
    });
    for (let i = 0; i < 150; i += 1) {
      if (
        await fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await sleep(100);
    }
    throw new Error(`service did not start:\n${logs}`);
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    collector.server.close();
    await env.cleanup();
  });

  const post = async (route: string, body: unknown, token?: string) => {
    const response = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, string>;
    return { ...json, httpStatus: String(response.status) } as Record<string, string>;
  };

  it('gives a claim one trace through JWT, PostgreSQL, Redis and the Stellar RPC, shared by logs and audit rows', async () => {
    const keypair = Keypair.random();
    const stellarAddress = keypair.publicKey();
    const { challenge } = await post('/auth/challenge', { stellarAddress });
    const signature = Buffer.from(keypair.signMessage(challenge!)).toString('base64');
    const { token } = await post('/auth/verify', { stellarAddress, challenge, signature });
    const quizId = 'stellar-101-accounts';
    const { submissionId } = await post(`/quizzes/${quizId}/submissions`, { answers: correctAnswers(quizId) }, token);
    const claim = await post('/rewards/claims', { submissionId }, token);
    expect(claim.status).toBe('confirmed');

    // Spans arrive in batches: wait for the claim's server span and its Stellar span.
    const serverSpan = () => collector.spans.find((s) => attr(s, 'http.route') === '/rewards/claims');
    for (let i = 0; i < 100; i += 1) {
      const root = serverSpan();
      if (root && collector.spans.some((s) => s.traceId === root.traceId && s.name === 'stellar.submit')) break;
      await sleep(100);
    }
    const root = serverSpan();
    expect(root).toBeDefined();
    const trace = collector.spans.filter((s) => s.traceId === root!.traceId);
    const names = trace.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['jwt.verify', 'reward_claim.process', 'stellar.submit']));
    expect(trace.some((s) => attr(s, 'db.system') === 'postgresql' || attr(s, 'db.system.name') === 'postgresql')).toBe(
      true,
    );
    expect(names.some((n) => n.startsWith('stellar.rpc '))).toBe(true);
    // The per-learner claim limit is counted in Redis: the claim's own trace holds the Redis command.
    expect(trace.some((s) => attr(s, 'db.system') === 'redis' || attr(s, 'db.system.name') === 'redis')).toBe(true);
    expect(root!.kind).toBe(2); // SPAN_KIND_SERVER

    const challengeRoot = collector.spans.find((s) => attr(s, 'http.route') === '/auth/challenge');
    const challengeTrace = collector.spans.filter((s) => s.traceId === challengeRoot?.traceId);
    expect(challengeTrace.some((s) => attr(s, 'db.system') === 'redis' || attr(s, 'db.system.name') === 'redis')).toBe(
      true,
    );

    // The audit rows and the claim row carry the request's trace id.
    const { rows } = await env.schema.pool.query(
      "SELECT event, trace_id FROM audit_events WHERE event IN ('reward_claim_requested', 'reward_claimed')",
    );
    expect(rows.map((r) => r.trace_id)).toEqual([root!.traceId, root!.traceId]);
    const claimRow = await env.schema.pool.query('SELECT trace_id FROM reward_claims WHERE id = $1', [claim.claimId]);
    expect(claimRow.rows[0].trace_id).toBe(root!.traceId);

    // Exactly one access-log line for the request, carrying the same trace id.
    const lines = logs
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const access = lines.filter((l) => l['event.dataset'] === 'access' && l['http.route'] === '/rewards/claims');
    expect(access).toHaveLength(1);
    expect(access[0]!['trace.id']).toBe(root!.traceId);
  });

  it('drains an in-flight claim on SIGTERM, flushes its spans and exits 0', async () => {
    const keypair = Keypair.random();
    const stellarAddress = keypair.publicKey();
    const { challenge } = await post('/auth/challenge', { stellarAddress });
    const signature = Buffer.from(keypair.signMessage(challenge!)).toString('base64');
    const { token } = await post('/auth/verify', { stellarAddress, challenge, signature });
    const quizId = 'stellar-101-transactions';
    const { submissionId } = await post(`/quizzes/${quizId}/submissions`, { answers: correctAnswers(quizId) }, token);
    // The payout's send is slow: the request is still in flight when SIGTERM arrives.
    env.sandbox.faults.inject({ kind: 'latency', rpcMethod: 'sendTransaction', delayMs: 1500 });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const inFlight = post('/rewards/claims', { submissionId }, token);
    await sleep(500);
    child.kill('SIGTERM');
    const claim = await inFlight;
    expect(claim.httpStatus).toBe('201');
    expect(claim.status).toBe('confirmed');
    const code = await exited;
    if (code !== 0) console.log(logs.split('\n').slice(-15).join('\n'));
    expect(code).toBe(0);
    const root = collector.spans.find(
      (s) =>
        attr(s, 'http.route') === '/rewards/claims' &&
        collector.spans.some((c) => c.traceId === s.traceId && attrList(c, 'app.job.ids').includes(claim.claimId)),
    );
    expect(root).toBeDefined();
    expect(logs).toContain('shutting down');
  });
});
