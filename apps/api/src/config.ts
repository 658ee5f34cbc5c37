import { isIP } from 'node:net';
import { StrKey } from '@stellar/stellar-sdk';

/** The service's configuration, read once from the environment and validated at start. */
export interface Config {
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  /**
   * Fastify `trustProxy` from `TRUST_PROXY`: `false` (default: the peer address is the client),
   * `true` (trust every hop), or the proxies' addresses/CIDRs/`loopback`/`linklocal`/`uniquelocal`
   * (comma-separated). Hop counts are refused: Fastify 5 ignores them (it cannot check the peer).
   */
  readonly trustProxy: boolean | string[];
  readonly metricsHost: string;
  readonly metricsPort: number;
  /** When set, /metrics is also served on the public listener behind this bearer token. */
  readonly metricsToken: string | undefined;
  /** HTTP request metrics on every route (HTTP_METRICS=off is the benchmark baseline). */
  readonly httpMetrics: boolean;
  /** Unset: an in-process PostgreSQL (PGlite) is started. */
  readonly databaseUrl: string | undefined;
  /** Unset: an in-process key-value store replaces Redis. */
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key the service writes (nonces, rate-limit counters). */
  readonly redisKeyPrefix: string;
  /** Unset: the Stellar sandbox is started with a funded distributor. */
  readonly stellarRpcUrl: string | undefined;
  readonly networkPassphrase: string | undefined;
  readonly distributorSecret: string | undefined;
  /** Source account of credential mints; must differ from the distributor (one sequence per job kind). */
  readonly issuerSecret: string | undefined;
  readonly credentialContractId: string | undefined;
  /**
   * Channel accounts' secret seeds (`STELLAR_CHANNEL_SECRETS`, comma-separated; with STELLAR_RPC_URL):
   * the transaction sources of reward payouts, one envelope in flight each. Empty: the distributor
   * is its own source (one envelope in flight). Never logged.
   */
  readonly channelSecrets: readonly string[];
  /** Channel accounts the embedded sandbox creates and funds (`STELLAR_CHANNEL_COUNT`, default 2, 0..20). */
  readonly channelCount: number;
  /** Payment / create-account operations per payout envelope (`STELLAR_BATCH_MAX_OPERATIONS`, default 100, 1..100). */
  readonly batchMaxOperations: number;
  readonly jwtSecret: string | undefined;
  readonly jwtExpiresIn: string;
  readonly challengeTtlSeconds: number;
  readonly authRateLimitMax: number;
  /** Quiz submissions per learner per `submissionRateLimitWindowSeconds` (all quizzes, all instances). */
  readonly submissionRateLimitMax: number;
  readonly submissionRateLimitWindowSeconds: number;
  /** Reward claims (POST) per learner per `claimRateLimitWindowSeconds`. */
  readonly claimRateLimitMax: number;
  readonly claimRateLimitWindowSeconds: number;
  readonly bodyLimitBytes: number;
  readonly reconcileIntervalMs: number;
  readonly txTimeoutSeconds: number;
  readonly stellarPollIntervalMs: number;
  readonly claimWaitMs: number;
  readonly shutdownGraceMs: number;
  /** Milliseconds between audit sealing passes (every instance runs the sealer). */
  readonly auditSealIntervalMs: number;
  /** HMAC key of the audit hash chain (AUDIT_CHAIN_KEY); unset: plain SHA-256. */
  readonly auditChainKey: string | undefined;
  readonly logLevel: string;
  /** prom-client's process_* and nodejs_* metrics (PROCESS_METRICS=off turns them off). */
  readonly processMetrics: boolean;
  /** Period of the database check (db_up) and the job backlog gauges, in ms. */
  readonly signalsIntervalMs: number;
  /** Period of the source account balance refresh (stellar_account_balance_xlm), in ms; also refreshed after each payout. */
  readonly balanceRefreshIntervalMs: number;
}

/** Thrown at start when the environment is not usable; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, problems: string[], min = 0, max = 2 ** 31): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Digits only: Number() would also take `1e2`, `0x10`, `1.0` and ` 7 `.
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

function url(env: Env, name: string, protocols: string[], problems: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    const parsed = new URL(raw);
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name} must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
    }
  } catch {
    // Never echo the value: connection strings carry passwords.
    problems.push(`${name} is not a valid URL`);
  }
  return raw;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(raw: string | undefined, problems: string[]): boolean | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    problems.push('TRUST_PROXY hop counts are not supported (Fastify never trusts them): list the proxy addresses');
    return false;
  }
  const entries = value.split(',').map((e) => e.trim());
  const bad = entries.filter((entry) => {
    if (PROXY_NAMES.has(entry)) return false;
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return true;
    return bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  });
  if (bad.length > 0) {
    problems.push(
      `TRUST_PROXY must be true, false or proxy addresses/CIDRs (loopback, linklocal, uniquelocal); not: ${bad.join(', ')}`,
    );
    return false;
  }
  return entries;
}

/** The comma-separated entries of STELLAR_CHANNEL_SECRETS, trimmed; unset or blank: none. */
function channelEntries(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((seed) => seed.trim());
}

/** "entry 2 is" / "entries 1, 3 are" (1-based positions; values are never echoed). */
function entries(positions: number[]): string {
  return positions.length === 1 ? `entry ${positions[0]} is` : `entries ${positions.join(', ')} are`;
}

/** STELLAR_CHANNEL_SECRETS: valid, distinct seeds of accounts other than the distributor and issuer (values never echoed). */
function channelProblems(config: Config, raw: string | undefined, problems: string[]): void {
  const empty = channelEntries(raw).flatMap((seed, i) => (seed === '' ? [i + 1] : []));
  if (empty.length > 0) {
    // `" , ,"` or a stray comma is a typo, not "no channels" (unset or empty means none).
    problems.push(
      `STELLAR_CHANNEL_SECRETS ${entries(empty)} empty: list secret seeds separated by commas, or leave it unset for no channel accounts`,
    );
  }
  const seeds = config.channelSecrets;
  if (seeds.length === 0) return;
  if (!config.stellarRpcUrl) {
    problems.push(
      'STELLAR_CHANNEL_SECRETS needs STELLAR_RPC_URL (the embedded sandbox creates STELLAR_CHANNEL_COUNT channels itself)',
    );
    return;
  }
  if (seeds.length > 100) problems.push(`STELLAR_CHANNEL_SECRETS lists ${seeds.length} seeds; at most 100`);
  const bad = seeds.flatMap((seed, i) => (StrKey.isValidEd25519SecretSeed(seed) ? [] : [i + 1]));
  if (bad.length > 0) {
    problems.push(
      `STELLAR_CHANNEL_SECRETS ${entries(bad)} not ${bad.length === 1 ? 'a valid secret seed' : 'valid secret seeds'} (S...)`,
    );
  }
  if (new Set(seeds).size !== seeds.length) problems.push('STELLAR_CHANNEL_SECRETS lists the same seed twice');
  if (seeds.some((seed) => seed === config.distributorSecret || seed === config.issuerSecret)) {
    problems.push(
      'STELLAR_CHANNEL_SECRETS must not contain the distributor or issuer seed (each has its own sequence)',
    );
  }
}

/** Reads and validates the configuration; throws ConfigError with every problem found. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const config: Config = {
    production,
    // Loopback unless HOST says otherwise: the embedded default (funded sandbox accounts, a generated
    // JWT secret) must not be reachable from the network by accident.
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 3000, problems, 0, 65535),
    trustProxy: trustProxy(env.TRUST_PROXY, problems),
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    metricsPort: integer(env, 'METRICS_PORT', 9464, problems, 0, 65535),
    metricsToken: env.METRICS_TOKEN || undefined,
    httpMetrics: env.HTTP_METRICS !== 'off',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], problems),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:'], problems),
    redisKeyPrefix: env.REDIS_KEY_PREFIX ?? 'learn-to-earn:',
    stellarRpcUrl: url(env, 'STELLAR_RPC_URL', ['http:', 'https:'], problems),
    networkPassphrase: env.STELLAR_NETWORK_PASSPHRASE || undefined,
    distributorSecret: env.STELLAR_DISTRIBUTOR_SECRET || undefined,
    issuerSecret: env.STELLAR_ISSUER_SECRET || undefined,
    credentialContractId: env.STELLAR_CREDENTIAL_CONTRACT_ID || undefined,
    channelSecrets: channelEntries(env.STELLAR_CHANNEL_SECRETS).filter((seed) => seed !== ''),
    channelCount: integer(env, 'STELLAR_CHANNEL_COUNT', 2, problems, 0, 20),
    batchMaxOperations: integer(env, 'STELLAR_BATCH_MAX_OPERATIONS', 100, problems, 1, 100),
    jwtSecret: env.JWT_SECRET || undefined,
    jwtExpiresIn: env.JWT_EXPIRES_IN || '1h',
    challengeTtlSeconds: integer(env, 'AUTH_CHALLENGE_TTL_SECONDS', 300, problems, 10, 3600),
    authRateLimitMax: integer(env, 'AUTH_RATE_LIMIT_MAX', 20, problems, 1),
    submissionRateLimitMax: integer(env, 'SUBMISSION_RATE_LIMIT_MAX', 20, problems, 1),
    submissionRateLimitWindowSeconds: integer(env, 'SUBMISSION_RATE_LIMIT_WINDOW_SECONDS', 3600, problems, 1, 86400),
    claimRateLimitMax: integer(env, 'CLAIM_RATE_LIMIT_MAX', 10, problems, 1),
    claimRateLimitWindowSeconds: integer(env, 'CLAIM_RATE_LIMIT_WINDOW_SECONDS', 60, problems, 1, 86400),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 16384, problems, 1024),
    reconcileIntervalMs: integer(env, 'RECONCILE_INTERVAL_MS', 2000, problems, 50),
    txTimeoutSeconds: integer(env, 'STELLAR_TX_TIMEOUT_SECONDS', 30, problems, 5, 3600),
    stellarPollIntervalMs: integer(env, 'STELLAR_POLL_INTERVAL_MS', 1000, problems, 50, 60000),
    claimWaitMs: integer(env, 'CLAIM_WAIT_MS', 8000, problems, 0, 60000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, problems, 0),
    auditSealIntervalMs: integer(env, 'AUDIT_SEAL_INTERVAL_MS', 1000, problems, 50, 3_600_000),
    auditChainKey: env.AUDIT_CHAIN_KEY || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    processMetrics: env.PROCESS_METRICS !== 'off',
    signalsIntervalMs: integer(env, 'SIGNALS_INTERVAL_MS', 5000, problems, 100, 3_600_000),
    balanceRefreshIntervalMs: integer(env, 'BALANCE_REFRESH_INTERVAL_MS', 60_000, problems, 1000, 86_400_000),
  };
  if (config.jwtSecret !== undefined && config.jwtSecret.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters');
  }
  if (config.stellarRpcUrl) {
    if (!config.networkPassphrase) problems.push('STELLAR_NETWORK_PASSPHRASE is required with STELLAR_RPC_URL');
    if (!config.distributorSecret || !StrKey.isValidEd25519SecretSeed(config.distributorSecret)) {
      problems.push('STELLAR_DISTRIBUTOR_SECRET must be a valid secret seed with STELLAR_RPC_URL');
    }
    if (!config.issuerSecret || !StrKey.isValidEd25519SecretSeed(config.issuerSecret)) {
      problems.push('STELLAR_ISSUER_SECRET must be a valid secret seed with STELLAR_RPC_URL (not the distributor)');
    } else if (config.issuerSecret === config.distributorSecret) {
      problems.push('STELLAR_ISSUER_SECRET must differ from STELLAR_DISTRIBUTOR_SECRET');
    }
    if (!config.credentialContractId || !StrKey.isValidContract(config.credentialContractId)) {
      problems.push('STELLAR_CREDENTIAL_CONTRACT_ID must be a contract id (C...) with STELLAR_RPC_URL');
    }
  }
  channelProblems(config, env.STELLAR_CHANNEL_SECRETS, problems);
  if (production) {
    const embedded: Array<[string, unknown]> = [
      ['DATABASE_URL (would start an in-process PGlite)', config.databaseUrl],
      ['REDIS_URL (would use an in-process store)', config.redisUrl],
      ['STELLAR_RPC_URL (would start the Stellar sandbox)', config.stellarRpcUrl],
      ['JWT_SECRET (would use a random per-process secret)', config.jwtSecret],
    ];
    for (const [name, value] of embedded) {
      if (!value) problems.push(`NODE_ENV=production refuses embedded defaults: set ${name}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
