import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { KeyValueStore } from '../store/key-value';

declare module 'fastify' {
  interface FastifyInstance {
    store: KeyValueStore;
  }
}

/** `redis://host:port/db` of a client, never its password. */
export function redisAddress(redis: Redis): string {
  const { host, port, db, path } = redis.options;
  return path ? `redis+unix://${path}` : `redis://${host ?? '127.0.0.1'}:${port ?? 6379}/${db ?? 0}`;
}

/**
 * Operator messages for the Redis connection: one warning when it goes down (address, cause,
 * what still works), retries at debug level while ioredis reconnects with backoff, one info line
 * when it is back (with how long it was down). Never the password, never one line per retry.
 */
export function watchRedis(
  redis: Redis,
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    debug(obj: object, msg: string): void;
  },
): void {
  const address = redisAddress(redis);
  let downSince: number | null = null;
  let lastError: string | undefined;
  redis.on('error', (error: Error & { code?: string }) => {
    lastError = error.code ?? error.message;
    log.debug({ 'server.address': address, err: error }, 'redis error');
  });
  redis.on('close', () => {
    if (downSince !== null) {
      log.debug({ 'server.address': address }, 'redis still unreachable; retrying with backoff');
      return;
    }
    // The cause arrives with the error event just before close, when there is one; and ioredis marks a
    // connection closed on purpose (disconnect/quit, e.g. at shutdown) `end` right after this event.
    setImmediate(() => {
      if (redis.status === 'end') {
        log.debug({ 'server.address': address }, `Redis at ${address} connection closed by the service`);
        return;
      }
      if (downSince !== null) return;
      downSince = Date.now();
      log.warn(
        { 'server.address': address, 'error.code': lastError ?? 'connection closed' },
        `Redis at ${address} unreachable (${lastError ?? 'connection closed'}): sign-in answers 503, rate limits count per instance; reconnecting with backoff (up to 30 s)`,
      );
    });
  });
  redis.on('ready', () => {
    if (downSince === null) {
      log.info({ 'server.address': address }, `Redis at ${address} connected`);
      return;
    }
    const seconds = Math.round((Date.now() - downSince) / 100) / 10;
    downSince = null;
    lastError = undefined;
    log.info(
      { 'server.address': address, 'event.duration_s': seconds },
      `Redis at ${address} reachable again after ${seconds} s`,
    );
  });
}

/** Exposes the nonce store (Redis, or the in-process default) as `fastify.store`. */
export default fp<{ store: KeyValueStore }>(
  async (fastify, { store }) => {
    if (store.redis) watchRedis(store.redis, fastify.log);
    fastify.decorate('store', store);
  },
  { name: 'redis' },
);
