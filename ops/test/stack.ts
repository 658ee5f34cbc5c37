import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Sandbox, startSandbox } from '@app/stellar-sandbox';
import { createTestRedis, createTestSchema, type TestRedis, type TestSchema } from '@app/test-utils';
import { parse, stringify } from 'yaml';
import { binary, type Child, freePort, getJson, OPS, ROOT, startChild, tempDir, until } from './tools';

/** The built service (apps/api/dist) in a child process, on ports it picked. */
export interface Service {
  child: Child;
  apiUrl: string;
  /** host:port of its metrics listener (a Prometheus target). */
  target: string;
}

/** A schema, a Redis prefix and a Stellar sandbox shared by every instance of one test. */
export interface Backing {
  schema: TestSchema;
  redis: TestRedis;
  sandbox: Sandbox;
  jwtSecret: string;
  close(): Promise<void>;
}

export async function startBacking(label: string): Promise<Backing> {
  const schema = await createTestSchema(label);
  const redis = createTestRedis(label);
  // Distributor, issuer and two channel accounts (the channel signals need channels to report).
  const sandbox = await startSandbox({ ledgerIntervalMs: 200, fundedAccounts: 4 });
  return {
    schema,
    redis,
    sandbox,
    jwtSecret: `${label}-jwt-secret-of-at-least-32-characters`,
    async close() {
      await sandbox.close();
      await redis.cleanup();
      await schema.drop();
    },
  };
}

/** PostgreSQL URL of the test schema, optionally through another host:port (a proxy). */
export function databaseUrl(backing: Backing, via?: { host: string; port: number }): string {
  const user = process.env.PGUSER ?? 'postgres';
  const host = via?.host ?? process.env.PGHOST ?? '127.0.0.1';
  const port = via?.port ?? Number(process.env.PGPORT ?? 5432);
  const db = process.env.PGDATABASE ?? 'test';
  return `postgresql://${user}@${host}:${port}/${db}?options=${encodeURIComponent(`-c search_path=${backing.schema.name}`)}`;
}

/** Starts `node apps/api/dist/server.js` on the backing services; resolves once it printed its banner. */
export async function startService(backing: Backing, env: Record<string, string> = {}): Promise<Service> {
  const redisHost = process.env.REDIS_HOST ?? '127.0.0.1';
  const redisPort = process.env.REDIS_PORT ?? '6379';
  const child = startChild(process.execPath, [path.join(ROOT, 'apps', 'api', 'dist', 'server.js')], {
    cwd: path.join(ROOT, 'apps', 'api'),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      DATABASE_URL: databaseUrl(backing),
      REDIS_URL: `redis://${redisHost}:${redisPort}`,
      REDIS_KEY_PREFIX: backing.redis.prefix,
      STELLAR_RPC_URL: backing.sandbox.url,
      STELLAR_NETWORK_PASSPHRASE: backing.sandbox.networkPassphrase,
      STELLAR_DISTRIBUTOR_SECRET: backing.sandbox.accounts[0]!.secret,
      STELLAR_ISSUER_SECRET: backing.sandbox.accounts[1]!.secret,
      STELLAR_CREDENTIAL_CONTRACT_ID: backing.sandbox.credentialContractId,
      STELLAR_CHANNEL_SECRETS: backing.sandbox.accounts
        .slice(2, 4)
        .map((a) => a.secret)
        .join(','),
      JWT_SECRET: backing.jwtSecret,
      OTEL_SDK_DISABLED: 'true',
      LOG_LEVEL: 'warn',
      SIGNALS_INTERVAL_MS: '500',
      RECONCILE_INTERVAL_MS: '500',
      STELLAR_POLL_INTERVAL_MS: '100',
      BALANCE_REFRESH_INTERVAL_MS: '5000',
      ...env,
    },
  });
  const banner = await until(
    'service banner',
    async () => {
      if (child.process.exitCode !== null) throw new Error(`service exited: ${child.output()}`);
      return child.output();
    },
    (out) => /Metrics\s+http:\/\/\S+/.test(out) && /API\s+http:\/\/\S+/.test(out),
    90_000,
  ).catch((error: unknown) => {
    void child.stop();
    throw error;
  });
  const apiUrl = /API\s+(http:\/\/[^\s]+)/.exec(banner)![1]!;
  const metricsUrl = new URL(/Metrics\s+(http:\/\/\S+)/.exec(banner)![1]!);
  return { child, apiUrl, target: metricsUrl.host };
}

/** Runs the service's journey script (a new learner: sign-in, quizzes, rewards, a credential). */
export async function journey(service: Service): Promise<void> {
  const child = startChild(process.execPath, [
    path.join(ROOT, 'apps', 'api', 'scripts', 'journey.mjs'),
    service.apiUrl,
  ]);
  const code = await new Promise<number | null>((resolve) => child.process.once('exit', resolve));
  if (code !== 0) throw new Error(`journey failed (${code}): ${child.output()}`);
}

/** Some 4xx traffic: unknown quiz (404), no token (401), invalid body (400). */
export async function clientErrors(service: Service, times = 5): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    await fetch(`${service.apiUrl}/quizzes/no-such-quiz`);
    await fetch(`${service.apiUrl}/rewards/claims`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    await fetch(`${service.apiUrl}/auth/challenge`, {
      method: 'POST',
      body: JSON.stringify({ stellarAddress: 'not-an-address' }),
      headers: { 'content-type': 'application/json' },
    });
    await fetch(`${service.apiUrl}/courses`);
  }
}

type RuleGroup = { name: string; interval?: string; rules: Array<Record<string, unknown>> };

/**
 * Copies the shipped rules with every group evaluated each second and each alert's `for:` replaced by
 * `alertFor` (the shipped values stay production-sane; a test cannot wait minutes).
 */
export function testRules(dir: string, alertFor?: string): string {
  const out = path.join(dir, 'rules');
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(path.join(OPS, 'prometheus', 'rules'))) {
    const doc = parse(readFileSync(path.join(OPS, 'prometheus', 'rules', file), 'utf8')) as { groups: RuleGroup[] };
    for (const group of doc.groups) {
      group.interval = '1s';
      if (alertFor) for (const rule of group.rules) if (rule.alert && rule.for) rule.for = alertFor;
    }
    writeFileSync(path.join(out, file), stringify(doc));
  }
  return out;
}

/** A real Prometheus on a free port with the (test copy of the) shipped rules, scraping `targets` every second. */
export interface Prometheus {
  url: string;
  child: Child;
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

export async function startPrometheus(options: {
  targets: string[];
  alertFor?: string;
  alertmanager?: string;
}): Promise<Prometheus> {
  const tmp = tempDir('prometheus');
  const rulesDir = testRules(tmp.dir, options.alertFor);
  // biome-ignore lint/suspicious/noExplicitAny: a YAML document edited in place
  const shipped = parse(readFileSync(path.join(OPS, 'prometheus', 'prometheus.yml'), 'utf8')) as Record<string, any>;
  shipped.global = { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' };
  shipped.rule_files = [path.join(rulesDir, '*.rules.yml')];
  shipped.scrape_configs[0].static_configs = [{ targets: options.targets }];
  if (options.alertmanager) shipped.alerting.alertmanagers[0].static_configs = [{ targets: [options.alertmanager] }];
  else delete shipped.alerting;
  const config = path.join(tmp.dir, 'prometheus.yml');
  writeFileSync(config, stringify(shipped));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startChild(binary('prometheus'), [
    `--config.file=${config}`,
    `--storage.tsdb.path=${path.join(tmp.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await until(
    'prometheus ready',
    async () => (await fetch(`${url}/-/ready`)).status,
    (s) => s === 200,
    60_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${child.output()}`);
  });
  return {
    url,
    child,
    async query(expr) {
      const body = await getJson<{
        status: string;
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
        error?: string;
      }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
      return body.data.result;
    },
    async stop() {
      await child.stop();
      tmp.remove();
    },
  };
}

/** A real Alertmanager with the shipped routing, its webhooks pointed at `webhookBase` (+ /alerts/page|ticket). */
export async function startAlertmanager(
  webhookBase: string,
): Promise<{ address: string; child: Child; stop(): Promise<void> }> {
  const tmp = tempDir('alertmanager');
  // biome-ignore lint/suspicious/noExplicitAny: a YAML document edited in place
  const shipped = parse(readFileSync(path.join(OPS, 'alertmanager', 'alertmanager.yml'), 'utf8')) as Record<
    string,
    any
  >;
  for (const receiver of shipped.receivers) {
    for (const hook of receiver.webhook_configs) hook.url = hook.url.replace(/^https?:\/\/[^/]+/, webhookBase);
  }
  // Deliver within seconds (the shipped waits are 10 s / 1 min for pages).
  for (const route of [shipped.route, ...shipped.route.routes]) {
    route.group_wait = '1s';
    route.group_interval = '2s';
  }
  const config = path.join(tmp.dir, 'alertmanager.yml');
  writeFileSync(config, stringify(shipped));
  copyFileSync(config, path.join(tmp.dir, 'shipped-copy.yml'));
  const port = await freePort();
  const child = startChild(binary('alertmanager'), [
    `--config.file=${config}`,
    `--storage.path=${path.join(tmp.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ]);
  await until(
    'alertmanager ready',
    async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).status,
    (s) => s === 200,
    60_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${child.output()}`);
  });
  return {
    address: `127.0.0.1:${port}`,
    child,
    async stop() {
      await child.stop();
      tmp.remove();
    },
  };
}
