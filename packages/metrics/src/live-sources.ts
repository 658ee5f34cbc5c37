import type { AppMetrics, PgPoolLike, RedisClientLike } from './types';

/** The pools and clients whose state the gauges read at scrape time. */
export function createLiveSources() {
  const pools = new Set<PgPoolLike>();
  const redisClients = new Set<RedisClientLike>();
  return {
    pools,
    redisClients,
    /** Connections checked out (total minus idle), summed over pools. */
    dbActiveConnections(): number {
      let active = 0;
      for (const pool of pools) active += Math.max(0, pool.totalCount - pool.idleCount);
      return active;
    },
    /** 1 when there is at least one client and every one is ready. */
    redisConnected(): number {
      if (redisClients.size === 0) return 0;
      for (const client of redisClients) if (client.status !== 'ready') return 0;
      return 1;
    },
  };
}

export type LiveSources = ReturnType<typeof createLiveSources>;

/** Live-state sources of each metric set built by createMetrics. */
export const liveSourcesOf = new WeakMap<AppMetrics, LiveSources>();
