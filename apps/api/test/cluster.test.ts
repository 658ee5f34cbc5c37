import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { createTestEnv, sleep, type TestEnv } from './helper';

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
    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    const text = await scrape.text();
    if (scrape.status !== 200) throw new Error(`scrape ${scrape.status}: ${text}\n${output}`);
    // Each worker counted only the requests it served (about half); only the sum is 40.
    expect(httpRequests(text, '/health')).toBe(requests);
  }, 120_000);
});
