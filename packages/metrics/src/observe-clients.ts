import { liveSourcesOf } from './live-sources';
import type { AppMetrics, PgPoolLike, RedisClientLike } from './types';

function sourcesOf(metrics: AppMetrics) {
  const sources = liveSourcesOf.get(metrics);
  if (!sources) throw new TypeError('observePgPool/observeRedisClient expect the result of createMetrics()');
  return sources;
}

/**
 * Makes `db_active_connections` report the connections checked out of `pool` (a `pg` Pool),
 * read when the registry is scraped. Returns a function that stops observing the pool.
 */
export function observePgPool(metrics: AppMetrics, pool: PgPoolLike): () => void {
  const { pools } = sourcesOf(metrics);
  pools.add(pool);
  return () => {
    pools.delete(pool);
  };
}

/**
 * Makes `redis_connected` report whether `client` (an `ioredis` client) is ready, read when the
 * registry is scraped. Returns a function that stops observing the client.
 */
export function observeRedisClient(metrics: AppMetrics, client: RedisClientLike): () => void {
  const { redisClients } = sourcesOf(metrics);
  redisClients.add(client);
  return () => {
    redisClients.delete(client);
  };
}
