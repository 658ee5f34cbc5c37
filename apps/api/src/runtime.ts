import { createAuditWriter, migrateAuditSchema } from '@app/audit';
import { Keypair, rpc } from '@stellar/stellar-sdk';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from './config';
import { startEmbeddedPostgres } from './db/embedded';
import { databaseAddress, isDatabaseDown } from './db/health';
import { migrate } from './db/migrate';
import { seedCourses } from './db/seed';
import { AUDIT } from './names';
import { createServiceMetrics } from './service-metrics';
import { type GatewayOptions, rpcGateway } from './stellar/gateway';
import { type KeyValueStore, memoryStore, redisStore } from './store/key-value';
import type { AppOptions, StellarSetup } from './types';

/** What is embedded in this process (printed at start so nobody mistakes it for production). */
export interface EmbeddedNotes {
  postgres?: string;
  redis?: string;
  stellar?: string;
}

/** The app's dependencies plus how to release them, in reverse order of creation. */
export interface Runtime {
  options: AppOptions;
  embedded: EmbeddedNotes;
  close(): Promise<void>;
}

/** Creates the Redis client the service uses: fail fast while disconnected, reconnect forever. */
export function createRedisClient(url: string, keyPrefix = ''): Redis {
  return new Redis(url, {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // Exponential backoff from 200 ms up to 30 s: an outage is not a reconnect every 2 s forever.
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times - 1, 8), 30_000),
  });
}

/** The gateway settings every instance uses: outcomes are awaited a little past the envelope's time bound. */
export function gatewayOptions(config: Config, registry: Registry): GatewayOptions {
  return {
    registry,
    pollIntervalMs: config.stellarPollIntervalMs,
    maxPollDurationMs: (config.txTimeoutSeconds + 15) * 1000,
  };
}

async function startStellar(
  config: Config,
  registry: Registry,
  closers: Array<() => Promise<void>>,
  embedded: EmbeddedNotes,
) {
  if (config.stellarRpcUrl) {
    const server = new rpc.Server(config.stellarRpcUrl, { allowHttp: config.stellarRpcUrl.startsWith('http:') });
    const distributor = Keypair.fromSecret(config.distributorSecret!);
    return {
      server,
      setup: {
        gateway: rpcGateway(server, gatewayOptions(config, registry)),
        networkPassphrase: config.networkPassphrase!,
        distributor,
        channels: config.channelSecrets.map((seed) => Keypair.fromSecret(seed)),
        issuer: Keypair.fromSecret(config.issuerSecret!),
        credentialContractId: config.credentialContractId!,
        rpcUrl: config.stellarRpcUrl,
      } satisfies StellarSetup,
    };
  }
  const { startSandbox } = await import('@app/stellar-sandbox');
  // Distributor, issuer, then STELLAR_CHANNEL_COUNT channel accounts, each created and funded.
  const sandbox = await startSandbox({ fundedAccounts: 2 + config.channelCount });
  closers.push(() => sandbox.close());
  const server = new rpc.Server(sandbox.url, { allowHttp: true });
  const channels = sandbox.accounts.slice(2).map((account) => Keypair.fromSecret(account.secret));
  embedded.stellar = `Stellar sandbox at ${sandbox.url} (distributor ${sandbox.accounts[0]!.publicKey}, ${channels.length} channel accounts)`;
  return {
    server,
    setup: {
      gateway: rpcGateway(server, gatewayOptions(config, registry)),
      networkPassphrase: sandbox.networkPassphrase,
      distributor: Keypair.fromSecret(sandbox.accounts[0]!.secret),
      channels,
      issuer: Keypair.fromSecret(sandbox.accounts[1]!.secret),
      credentialContractId: sandbox.credentialContractId,
      rpcUrl: sandbox.url,
    } satisfies StellarSetup,
  };
}

/** The start-up failure of the database, naming PostgreSQL and its address (never the password). */
function startupDatabaseError(pool: Pool, error: unknown): Error {
  const address = databaseAddress(pool);
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new Error(
    isDatabaseDown(error)
      ? `PostgreSQL at ${address} unreachable (${typeof code === 'string' ? code : message}); check DATABASE_URL and that the server is up`
      : `PostgreSQL at ${address}: ${message}`,
    { cause: error },
  );
}

/**
 * Fails the start when a configured source account (distributor, issuer, a channel account) does
 * not exist on the ledger: one `getLedgerEntries` through the gateway. Without this, a missing
 * channel only showed as repeated "could not build the envelope" warnings. An RPC that cannot be
 * asked now does not stop the start (the RPC monitor reports the outage); the check is skipped.
 */
async function checkSourceAccounts(setup: StellarSetup, logger: Logger): Promise<void> {
  const sources: Array<[string, string]> = [
    ['distributor (STELLAR_DISTRIBUTOR_SECRET)', setup.distributor.publicKey()],
    ['issuer (STELLAR_ISSUER_SECRET)', setup.issuer.publicKey()],
    ...setup.channels.map((channel, i): [string, string] => [
      `channel account ${i + 1} of STELLAR_CHANNEL_SECRETS`,
      channel.publicKey(),
    ]),
  ];
  let existing: Set<string>;
  try {
    existing = await setup.gateway.existingAccounts(sources.map(([, publicKey]) => publicKey));
  } catch (error) {
    logger.warn(
      { err: error, rpcUrl: setup.rpcUrl },
      'could not check at start that the source accounts exist on the ledger; continuing',
    );
    return;
  }
  const missing = sources.filter(([, publicKey]) => !existing.has(publicKey));
  if (missing.length > 0) {
    throw new Error(
      `${missing.map(([role, publicKey]) => `the ${role} ${publicKey}`).join(', ')} ${
        missing.length === 1 ? 'does' : 'do'
      } not exist on the ledger of ${setup.rpcUrl}: create and fund ${missing.length === 1 ? 'it' : 'them'} first`,
    );
  }
}

/**
 * Connects (or embeds) PostgreSQL, Redis and Stellar, migrates and seeds the
 * database. Embedded defaults are refused in production by loadConfig already.
 */
export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const closers: Array<() => Promise<void>> = [];
  const embedded: EmbeddedNotes = {};
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    let pool: Pool;
    if (config.databaseUrl) {
      pool = new Pool({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5000 });
    } else {
      const pg = await startEmbeddedPostgres();
      closers.push(() => pg.close());
      // pglite-socket serves one connection: a second would wait forever.
      pool = new Pool({ connectionString: pg.connectionString, max: 1, connectionTimeoutMillis: 10000 });
      embedded.postgres = `in-process PostgreSQL (PGlite) at ${pg.connectionString}; data is lost at exit`;
    }
    closers.push(() => pool.end());
    try {
      await migrate(pool);
      await migrateAuditSchema(pool);
      await seedCourses(pool);
    } catch (error) {
      throw startupDatabaseError(pool, error);
    }

    let store: KeyValueStore;
    if (config.redisUrl) {
      const redis = createRedisClient(config.redisUrl, config.redisKeyPrefix);
      closers.push(async () => {
        redis.disconnect();
      });
      store = redisStore(redis);
    } else {
      store = memoryStore();
      embedded.redis = 'in-process store instead of Redis (redis_connected 0; one instance only)';
    }

    const metrics = createServiceMetrics({ processMetrics: config.processMetrics });
    const stellar = await startStellar(config, metrics.registry, closers, embedded);
    if (config.stellarRpcUrl) await checkSourceAccounts(stellar.setup, logger);
    const audit = createAuditWriter({ logger, events: AUDIT });
    return { options: { config, pool, store, stellar: stellar.setup, metrics, audit }, embedded, close };
  } catch (error) {
    await close();
    throw error;
  }
}
