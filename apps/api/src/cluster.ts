/**
 * Cluster entry: N Node cluster workers serve the API behind one port (the primary accepts and hands
 * connections round-robin), and the primary alone serves `/metrics` on METRICS_PORT with every
 * worker's metrics aggregated by prom-client's `AggregatorRegistry` (counters and histograms summed,
 * gauges per their `aggregator`). Start: `node dist/cluster.js` (WORKERS=N, default: available CPUs).
 *
 * Shared state must be shared: DATABASE_URL and REDIS_URL are required (the embedded PGlite and the
 * in-process store are per process). Without STELLAR_RPC_URL the primary starts one Stellar sandbox
 * and hands its URL and keys to the workers; without JWT_SECRET (not in production) it draws one
 * secret for all workers, so a token issued by one worker is valid on the others.
 *
 * A worker that dies is restarted (at most RESTARTS_PER_MINUTE, default 10, then the primary exits).
 * Its counts die with it: see the README, "Several workers".
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import { answerWorkerMetricsRequests } from './cluster-metrics';
import { ConfigError, loadConfig } from './config';
import { sendErrorEnvelope } from './metrics-server';
import { bearerMatches } from './plugins/metrics';

/**
 * GET /metrics on the primary: `clusterMetrics()` asks every worker for its registry over IPC and
 * merges them (a worker that does not answer within prom-client's 5 s fails the scrape with 503
 * `API_ERR_METRICS_UNAVAILABLE`). METRICS_TOKEN, when set, is required as a bearer token, as on a
 * single process (401 `API_ERR_UNAUTHORIZED`). Refusals are the service's JSON error envelope.
 */
async function startClusterMetricsServer(
  registry: AggregatorRegistry<PrometheusContentType>,
  host: string,
  port: number,
  token: string | undefined,
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url?.split('?')[0] !== '/metrics') {
      sendErrorEnvelope(
        response,
        'API_ERR_ROUTE_NOT_FOUND',
        `Route ${request.method}:${request.url} not found; try GET /metrics`,
      );
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendErrorEnvelope(
        response,
        'API_ERR_METHOD_NOT_ALLOWED',
        `/metrics answers GET and HEAD, not ${request.method}`,
        {
          allow: 'GET, HEAD',
        },
      );
      return;
    }
    if (token && !bearerMatches(request.headers.authorization, token)) {
      sendErrorEnvelope(response, 'API_ERR_UNAUTHORIZED', '/metrics needs Authorization: Bearer <METRICS_TOKEN>', {
        'www-authenticate': 'Bearer realm="metrics"',
      });
      return;
    }
    registry.clusterMetrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        process.stderr.write(`cluster metrics: ${error instanceof Error ? error.message : String(error)}\n`);
        sendErrorEnvelope(
          response,
          'API_ERR_METRICS_UNAVAILABLE',
          'a worker did not hand in its metrics in time; retry',
        );
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { url: `http://${host}:${address.port}/metrics`, server };
}

/**
 * Node's round-robin primary accepts each connection and sends its handle to a worker over IPC; it
 * closes its own copy only when that worker acknowledges (`accepted`). A worker that dies (kill -9,
 * crash) between the hand-off and its acknowledgement never answers, and Node keeps the primary's copy
 * open forever: the client waits on a connection nobody will read (Node issue #21746 and its stalled
 * fix #21940). This tracks the connections handed to `worker` and not yet acknowledged, and closes
 * them when it exits: the client sees the connection closed without a response (nothing was read,
 * so a retry is safe) instead of hanging. Relies on Node's internal cluster messages
 * (`{cmd: 'NODE_CLUSTER', act: 'newconn', seq}` out, `{ack: seq}` back), stable since Node 0.12.
 */
function closeUnacceptedConnectionsOnExit(worker: Worker): void {
  type ClusterMessage = { cmd?: unknown; act?: unknown; seq?: unknown; ack?: unknown };
  const unaccepted = new Map<unknown, { close(): void }>();
  const child = worker.process as unknown as {
    send: (message: unknown, handle?: unknown, ...rest: unknown[]) => boolean;
    on(event: 'internalMessage', listener: (message: ClusterMessage) => void): void;
  };
  const send = child.send.bind(child);
  child.send = (message: unknown, handle?: unknown, ...rest: unknown[]) => {
    const m = message as ClusterMessage | null;
    if (m?.cmd === 'NODE_CLUSTER' && m.act === 'newconn' && handle && typeof handle === 'object') {
      unaccepted.set(m.seq, handle as { close(): void });
    }
    return send(message, handle, ...rest);
  };
  child.on('internalMessage', (message) => {
    if (message?.cmd === 'NODE_CLUSTER' && message.ack !== undefined) unaccepted.delete(message.ack);
  });
  worker.once('exit', () => {
    if (unaccepted.size === 0) return;
    process.stderr.write(
      `worker ${worker.process.pid} died holding ${unaccepted.size} connection(s) it had not accepted; closed\n`,
    );
    for (const handle of unaccepted.values()) handle.close();
    unaccepted.clear();
  });
}

function fail(message: string): never {
  process.stderr.write(`✖ ${message}\n`);
  process.exit(1);
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256) fail(`${name} must be an integer between 1 and 256 (got "${raw}")`);
  return n;
}

/** Environment the workers share: an embedded sandbox and a JWT secret drawn once, here. */
async function sharedEnvironment(): Promise<{ env: Record<string, string>; close: () => Promise<void> }> {
  const env: Record<string, string> = {};
  let close = async () => {};
  if (!process.env.STELLAR_RPC_URL) {
    const { startSandbox } = await import('@app/stellar-sandbox');
    // Distributor, issuer, then the channel accounts every worker shares (STELLAR_CHANNEL_COUNT, validated here).
    const { channelCount } = loadConfig({ STELLAR_CHANNEL_COUNT: process.env.STELLAR_CHANNEL_COUNT });
    const sandbox = await startSandbox({ fundedAccounts: 2 + channelCount });
    close = () => sandbox.close();
    Object.assign(env, {
      STELLAR_RPC_URL: sandbox.url,
      STELLAR_NETWORK_PASSPHRASE: sandbox.networkPassphrase,
      STELLAR_DISTRIBUTOR_SECRET: sandbox.accounts[0]!.secret,
      STELLAR_ISSUER_SECRET: sandbox.accounts[1]!.secret,
      STELLAR_CREDENTIAL_CONTRACT_ID: sandbox.credentialContractId,
      STELLAR_CHANNEL_SECRETS: sandbox.accounts
        .slice(2)
        .map((account) => account.secret)
        .join(','),
    });
    process.stderr.write(`Embedded Stellar sandbox at ${sandbox.url}, shared by every worker\n`);
  }
  if (!process.env.JWT_SECRET && process.env.NODE_ENV !== 'production') {
    env.JWT_SECRET = randomBytes(32).toString('hex');
  }
  return { env, close };
}

async function primary(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  if (!config.databaseUrl || !config.redisUrl) {
    fail('the cluster entry needs DATABASE_URL and REDIS_URL: workers must share one database and one store');
  }
  const workers = positiveInt('WORKERS', availableParallelism());
  const restartsPerMinute = positiveInt('RESTARTS_PER_MINUTE', 10);
  const shared = await sharedEnvironment();
  cluster.setupPrimary({ exec: path.join(__dirname, 'server.js') });

  const registry = new AggregatorRegistry<PrometheusContentType>();
  // Workers serving /metrics on the public port (METRICS_TOKEN) relay this same merged page.
  answerWorkerMetricsRequests(registry);
  const metrics = await startClusterMetricsServer(
    registry,
    config.metricsHost,
    config.metricsPort,
    config.metricsToken,
  );
  // Banner lines on stderr: stdout carries JSON log lines only (LOGS.md).
  process.stderr.write(`Metrics  ${metrics.url} (aggregated over ${workers} workers)\n`);

  let stopping = false;
  const restarts: number[] = [];
  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ ...shared.env, CLUSTER_WORKER: '1' });
      closeUnacceptedConnectionsOnExit(worker);
      worker.once('listening', () => resolve(worker));
      worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before listening`)));
    });
  // The first worker migrates the schema alone; the others start once it listens.
  await fork().catch((error: Error) => fail(error.message));
  await Promise.all(Array.from({ length: workers - 1 }, fork)).catch((error: Error) => fail(error.message));

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    process.stderr.write(
      `worker ${worker.process.pid} exited (${signal ?? code}); ${restarts.length > restartsPerMinute ? 'too many restarts, stopping' : 'restarting'}\n`,
    );
    if (restarts.length > restartsPerMinute) {
      void shutdown(1);
      return;
    }
    fork().catch((error: Error) => process.stderr.write(`restart failed: ${error.message}\n`));
  });

  const shutdown = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    // Each worker drains its requests and jobs on SIGTERM (its own graceful shutdown).
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await new Promise((resolve) => metrics.server.close(resolve));
    await shared.close();
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
}

if (cluster.isPrimary) {
  void primary();
} else {
  fail('cluster.js runs the primary; workers run server.js');
}
