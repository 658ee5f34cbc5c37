import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import { correctAnswers, createTestEnv, sleep, type TestEnv } from './helper';

const METRICS_TOKEN = 'cluster-test-metrics-token-0123456789';

/** One request on a new connection (the primary hands each connection to the next worker). */
async function http(url: string, method = 'GET', body?: unknown, token?: string) {
  const response = await fetch(url, {
    method,
    headers: {
      connection: 'close',
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of the sample `name{labels}` in an exposition (undefined when absent). */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sum of every `http_requests_total` sample for `route` in an exposition. */
function httpRequests(exposition: string, route: string): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('http_requests_total{') && line.includes(`route="${route}"`)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

describe('cluster entry: two workers behind one port, one /metrics', () => {
  let env: TestEnv;
  let child: ChildProcess | undefined;
  let output = '';
  beforeAll(async () => {
    env = await createTestEnv('cluster');
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await env.cleanup();
  });

  it('one scrape shows the sum of both workers’ HTTP counters', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'cluster.js')], {
      cwd: path.join(__dirname, '..'),
      env: {
        PATH: process.env.PATH,
        WORKERS: '2',
        PORT: String(port),
        HOST: '127.0.0.1',
        METRICS_PORT: String(metricsPort),
        METRICS_TOKEN,
        // Each worker reads balances at start and after its own payouts only (no periodic read here).
        BALANCE_REFRESH_INTERVAL_MS: '86400000',
        LOG_LEVEL: 'warn',
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
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // Both workers print their banner once they listen.
    const started = Date.now();
    while ((output.match(/aggregated by the cluster primary/g) ?? []).length < 2) {
      if (child.exitCode !== null || Date.now() - started > 60_000)
        throw new Error(`cluster did not start:\n${output}`);
      await sleep(100);
    }
    const workerPids = new Set([...output.matchAll(/cluster primary \(worker (\d+)\)/g)].map((m) => m[1]));
    expect(workerPids.size).toBe(2);

    // A new connection per request: the primary hands connections to the workers round-robin.
    const requests = 40;
    for (let i = 0; i < requests; i += 1) {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const text = await scrape.text();
    if (scrape.status !== 200) throw new Error(`scrape ${scrape.status}: ${text}\n${output}`);
    // Each worker counted only the requests it served (about half); only the sum is 40.
    expect(httpRequests(text, '/health')).toBe(requests);

    // The public port's /metrics (METRICS_TOKEN) is the same merged page whichever worker takes the
    // connection: never one worker's share (successive scrapes would look like counter resets).
    for (let i = 0; i < 4; i += 1) {
      const publicScrape = await http(`http://127.0.0.1:${port}/metrics`, 'GET', undefined, METRICS_TOKEN);
      expect([publicScrape.status, httpRequests(publicScrape.text, '/health')]).toEqual([200, requests]);
    }

    // Refusals of the primary's listener are the service's JSON error envelope.
    const refused = await http(`http://127.0.0.1:${metricsPort}/metrics`);
    expect([refused.status, refused.type, JSON.parse(refused.text)]).toEqual([
      401,
      'application/json; charset=utf-8',
      { statusCode: 401, code: 'API_ERR_UNAUTHORIZED', message: expect.stringContaining('METRICS_TOKEN') },
    ]);
    const elsewhere = await http(`http://127.0.0.1:${metricsPort}/other`);
    expect([elsewhere.status, JSON.parse(elsewhere.text).code]).toEqual([404, 'API_ERR_ROUTE_NOT_FOUND']);
  }, 120_000);

  it('the merged distributor balance is the ledger’s after a payout by one worker, not a stale worker’s', async () => {
    if (!child || child.exitCode !== null) throw new Error(`cluster not running:\n${output}`);
    const port = Number(/API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]);
    const metricsPort = Number(/Metrics\s+http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(output)![1]);
    const distributor = env.sandbox.accounts[0]!.publicKey;
    const series = 'stellar_account_balance_xlm{account="distributor"}';
    const scrape = async () => {
      const res = await http(`http://127.0.0.1:${metricsPort}/metrics`, 'GET', undefined, METRICS_TOKEN);
      return sample(res.text, series);
    };
    const before = Number(env.sandbox.balance(distributor));
    // Both workers have read the balance (at start).
    expect(await scrape()).toBeCloseTo(before, 5);

    const keypair = Keypair.random();
    const stellarAddress = keypair.publicKey();
    const api = `http://127.0.0.1:${port}`;
    const challenge = JSON.parse((await http(`${api}/auth/challenge`, 'POST', { stellarAddress })).text);
    const signature = Buffer.from(keypair.signMessage(challenge.challenge)).toString('base64');
    const verify = await http(`${api}/auth/verify`, 'POST', {
      stellarAddress,
      challenge: challenge.challenge,
      signature,
    });
    const token = JSON.parse(verify.text).token as string;
    const quiz = 'stellar-101-accounts';
    const submitted = await http(
      `${api}/quizzes/${quiz}/submissions`,
      'POST',
      { answers: correctAnswers(quiz) },
      token,
    );
    const { submissionId } = JSON.parse(submitted.text);
    let claim = JSON.parse((await http(`${api}/rewards/claims`, 'POST', { submissionId }, token)).text);
    const deadline = Date.now() + 30_000;
    while (claim.status !== 'confirmed' && Date.now() < deadline) {
      await sleep(100);
      claim = JSON.parse((await http(`${api}/rewards/claims/${claim.claimId}`, 'GET', undefined, token)).text);
    }
    expect(claim.status).toBe('confirmed');
    const after = Number(env.sandbox.balance(distributor));
    expect(after).toBeLessThan(before);
    // Only the paying worker read the new balance; the merge must show it (the other still holds `before`).
    let merged = await scrape();
    while (Math.abs((merged ?? 0) - after) > 1e-6 && Date.now() < deadline) {
      await sleep(100);
      merged = await scrape();
    }
    expect(merged).toBeCloseTo(after, 5);
  }, 120_000);

  it('a worker killed before it accepted a connection: the client sees it closed, never a hang', async () => {
    if (!child || child.exitCode !== null) throw new Error(`cluster not running:\n${output}`);
    const port = Number(/API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]);
    const victim = Number([...output.matchAll(/cluster primary \(worker (\d+)\)/g)][0]![1]);
    // A stopped worker takes the next connection handed to it and never acknowledges it (as one
    // killed between the hand-off and its accept); the other worker serves the rest.
    process.kill(victim, 'SIGSTOP');
    const outcomes: string[] = [];
    const requests = Array.from({ length: 4 }, () =>
      fetch(`http://127.0.0.1:${port}/health`, {
        headers: { connection: 'close' },
        signal: AbortSignal.timeout(60_000),
      })
        .then(
          async (res) => `${res.status} ${(await res.text()).length > 0 ? 'body' : 'empty'}`,
          (error: Error) => (error.name === 'TimeoutError' ? 'hung' : 'closed'),
        )
        .then((outcome) => outcomes.push(outcome)),
    );
    const started = Date.now();
    while (outcomes.length < 3 && Date.now() - started < 30_000) await sleep(50);
    expect(outcomes).toEqual(['200 body', '200 body', '200 body']);
    process.kill(victim, 'SIGKILL');
    const killedAt = Date.now();
    await Promise.all(requests);
    // The fourth connection was handed to the dead worker: closed by the primary once the worker exits
    // (Node alone kept it open forever: the 60 s timeout here would end it as "hung").
    expect(outcomes[3]).toBe('closed');
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(output).toMatch(/worker \d+ died holding 1 connection\(s\) it had not accepted; closed/);
    // The primary restarts the worker; the cluster serves again.
    const res = await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } });
    expect(res.status).toBe(200);
  }, 120_000);
});
