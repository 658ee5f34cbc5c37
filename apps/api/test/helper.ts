import { randomBytes } from 'node:crypto';
import { createAuditWriter, migrateAuditSchema } from '@app/audit';
import { type Sandbox, startSandbox } from '@app/stellar-sandbox';
import { createTestRedis, createTestSchema, type TestRedis, type TestSchema, testRedisOptions } from '@app/test-utils';
import { Keypair, rpc } from '@stellar/stellar-sdk';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import app, { serverOptions } from '../src/app';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { seedCourses } from '../src/db/seed';
import type { SettlementListener } from '../src/job-outcomes';
import { AUDIT } from '../src/names';
import accessLog from '../src/plugins/access-log';
import type { OnchainRegistry } from '../src/plugins/onchain';
import { gatewayOptions } from '../src/runtime';
import { createServiceMetrics, type ServiceMetrics } from '../src/service-metrics';
import { rpcGateway } from '../src/stellar/gateway';
import type { JobHooks, JobRow } from '../src/stellar/onchain-jobs';
import { memoryStore, redisStore } from '../src/store/key-value';
import type { AppOptions } from '../src/types';

/** Resources one test file owns: a schema, a Redis prefix and a sandbox. */
export interface TestEnv {
  schema: TestSchema;
  redis: TestRedis;
  /** The service's own client (ioredis 5, as the service uses), confined to the test's prefix. */
  client: Redis;
  sandbox: Sandbox;
  jwtSecret: string;
  cleanup(): Promise<void>;
}

/** Sandbox settings of one test env (defaults: 2 funded accounts, a ledger every 100 ms). */
export interface TestEnvOptions {
  /** Funded accounts: distributor, issuer, then any channel accounts. */
  fundedAccounts?: number;
  ledgerIntervalMs?: number;
  /** The sandbox RPC's history window in ledgers (getTransaction forgets older transactions). */
  historyRetentionLedgers?: number;
  /**
   * Brings the schema up to date (default: `migrate`, the service's own). An upgrade test passes its
   * own steps; the audit schema and the course seed follow either way.
   */
  migrateWith?: (pool: Pool) => Promise<unknown>;
}

export async function createTestEnv(label: string, options: TestEnvOptions = {}): Promise<TestEnv> {
  const schema = await createTestSchema(label);
  await (options.migrateWith ?? migrate)(schema.pool);
  await migrateAuditSchema(schema.pool);
  await seedCourses(schema.pool);
  const redis = createTestRedis(label);
  const { host, port } = testRedisOptions();
  const client = new Redis({
    host: host ?? '127.0.0.1',
    port: port ?? 6379,
    keyPrefix: redis.prefix,
    maxRetriesPerRequest: 1,
  });
  const sandbox = await startSandbox({
    ledgerIntervalMs: options.ledgerIntervalMs ?? 100,
    fundedAccounts: options.fundedAccounts ?? 2,
    ...(options.historyRetentionLedgers ? { historyRetentionLedgers: options.historyRetentionLedgers } : {}),
  });
  return {
    schema,
    redis,
    client,
    sandbox,
    jwtSecret: randomBytes(32).toString('hex'),
    async cleanup() {
      await sandbox.close();
      client.disconnect();
      await redis.cleanup();
      await schema.drop();
    },
  };
}

export interface BuildOptions {
  env: Record<string, string>;
  hooks: JobHooks;
  /** The Stellar RPC URL the app uses instead of the sandbox's own (e.g. a proxy in front of it). */
  rpcUrl: string;
  reconciler: boolean;
  /** A Redis client to use instead of the env's prefixed one; `null` for the in-process store. */
  redis: Redis | null;
  pool: Pool;
  /** Extra Fastify server options (e.g. a `loggerInstance` writing to a test sink). */
  server: FastifyServerOptions;
  /** Register the access-log plugin as server.ts does (one line per request). */
  accessLog: boolean;
  /** Channel accounts (funded sandbox accounts); default none: the distributor is its own source. */
  channels: Keypair[];
}

export interface TestApp {
  app: FastifyInstance;
  /** The app's on-chain job machines (registered by the reward and credential modules). */
  onchain: OnchainRegistry;
  /** The app's LISTEN connection for other instances' settlements (job-outcomes.ts); undefined without DATABASE_URL. */
  settlements: SettlementListener | undefined;
  metrics: ServiceMetrics;
  options: AppOptions;
}

/** Builds the service on the test's resources, like server.ts does, without listening. */
export async function buildApp(env: TestEnv, overrides: Partial<BuildOptions> = {}): Promise<TestApp> {
  const config = loadConfig({
    CLAIM_WAIT_MS: '5000',
    STELLAR_POLL_INTERVAL_MS: '100',
    RECONCILE_INTERVAL_MS: '200',
    // Tests that race many requests of one learner; the limits have their own tests (farming.test.ts).
    SUBMISSION_RATE_LIMIT_MAX: '1000',
    CLAIM_RATE_LIMIT_MAX: '1000',
    // Shared by every instance of one env, as several API instances share one secret.
    JWT_SECRET: env.jwtSecret,
    ...overrides.env,
  });
  const rpcUrl = overrides.rpcUrl ?? env.sandbox.url;
  const server = new rpc.Server(rpcUrl, { allowHttp: true });
  const metrics = createServiceMetrics();
  const redis = overrides.redis === undefined ? env.client : overrides.redis;
  const options: AppOptions = {
    config,
    pool: overrides.pool ?? env.schema.pool,
    store: redis ? redisStore(redis) : memoryStore(),
    stellar: {
      gateway: rpcGateway(server, gatewayOptions(config, metrics.registry)),
      networkPassphrase: env.sandbox.networkPassphrase,
      distributor: Keypair.fromSecret(env.sandbox.accounts[0]!.secret),
      channels: overrides.channels ?? [],
      issuer: Keypair.fromSecret(env.sandbox.accounts[1]!.secret),
      credentialContractId: env.sandbox.credentialContractId,
      rpcUrl,
    },
    metrics,
    audit: createAuditWriter({ events: AUDIT }),
    reconciler: overrides.reconciler ?? false,
    ...(overrides.hooks ? { hooks: overrides.hooks } : {}),
  };
  const fastify = Fastify(serverOptions(options, overrides.server));
  if (overrides.accessLog) await fastify.register(accessLog);
  // The app's own context (as `register(app)` makes it), kept to reach its on-chain machines.
  let context: FastifyInstance | undefined;
  await fastify.register(async (instance: FastifyInstance, opts: AppOptions) => {
    await app(instance, opts);
    context = instance;
  }, options);
  await fastify.ready();
  return { app: fastify, metrics, options, onchain: context!.onchain, settlements: context!.settlements };
}

/** Signs in a keypair (a new one by default) through the SEP-53 routes; returns its bearer header. */
export async function signIn(app: FastifyInstance, keypair = Keypair.random()) {
  const stellarAddress = keypair.publicKey();
  const challenge = await app.inject({ method: 'POST', url: '/auth/challenge', payload: { stellarAddress } });
  if (challenge.statusCode !== 200) throw new Error(`challenge: ${challenge.statusCode} ${challenge.body}`);
  const text = challenge.json().challenge as string;
  const signature = Buffer.from(keypair.signMessage(text)).toString('base64');
  const verify = await app.inject({
    method: 'POST',
    url: '/auth/verify',
    payload: { stellarAddress, challenge: text, signature },
  });
  if (verify.statusCode !== 200) throw new Error(`verify: ${verify.statusCode} ${verify.body}`);
  return { keypair, headers: { authorization: `Bearer ${verify.json().token}` } };
}

/** The demo answer key (data/courses.json). */
export function correctAnswers(quizId: string, wrong = false): Record<string, number> {
  const { courses } = require('../data/courses.json') as {
    courses: Array<{ quizzes: Array<{ id: string; questions: Array<{ id: string; answer: number }> }> }>;
  };
  const quiz = courses.flatMap((c) => c.quizzes).find((q) => q.id === quizId)!;
  return Object.fromEntries(quiz.questions.map((q) => [q.id, wrong ? (q.answer + 1) % 3 : q.answer]));
}

/** Passes a quiz as the signed-in user; returns the submission id. */
export async function passQuiz(app: FastifyInstance, headers: Record<string, string>, quizId = 'stellar-101-accounts') {
  const response = await app.inject({
    method: 'POST',
    url: `/quizzes/${quizId}/submissions`,
    headers,
    payload: { answers: correctAnswers(quizId) },
  });
  if (response.statusCode !== 201) throw new Error(`submit: ${response.statusCode} ${response.body}`);
  return response.json().submissionId as string;
}

/** Audit rows of one event name in the test's schema. */
export async function auditRows(pool: Pool, event: string) {
  const { rows } = await pool.query('SELECT * FROM audit_events WHERE event = $1 ORDER BY created_at', [event]);
  return rows;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it holds; throws `timed out waiting for <what>` after `timeoutMs`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Polls `probe` until it answers something other than `undefined`, and returns that (bounded as `until`). */
export async function untilValue<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  let value: T | undefined;
  await until(
    what,
    async () => {
      value = await probe();
      return value !== undefined;
    },
    timeoutMs,
    everyMs,
  );
  return value as T;
}

/** The reward claims `ids`, in batch order (envelope operation index, then id). */
export async function claimRows(pool: Pool, ids: string[]): Promise<JobRow[]> {
  const { rows } = await pool.query<JobRow>('SELECT * FROM reward_claims WHERE id = ANY($1) ORDER BY op_index, id', [
    ids,
  ]);
  return rows;
}

/** Inserts `destinations.length` passed submissions and their requested claims (one learner each). */
export async function seedClaims(pool: Pool, destinations: string[], amount = '10'): Promise<string[]> {
  const ids: string[] = [];
  for (const destination of destinations) {
    const { rows } = await pool.query<{ id: string }>(
      `WITH u AS (INSERT INTO users (stellar_address) VALUES ($1) RETURNING id),
            s AS (INSERT INTO submissions (user_id, quiz_id, answers, score, passed)
                  SELECT id, 'stellar-101-accounts', '{}', 100, true FROM u RETURNING id, user_id)
       INSERT INTO reward_claims (submission_id, quiz_id, user_id, destination, amount, status, request_ip)
       SELECT s.id, 'stellar-101-accounts', s.user_id, $1, $2, 'requested', '127.0.0.1' FROM s RETURNING id`,
      [destination, amount],
    );
    ids.push(rows[0]!.id);
  }
  return ids;
}
