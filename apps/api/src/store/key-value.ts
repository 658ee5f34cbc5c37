import type { Redis } from 'ioredis';

/** The little the service needs from Redis: single-use nonces with a TTL. */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  /** The Redis client, when there is one (the rate limiter shares it). */
  readonly redis: Redis | undefined;
  /** Stores `value` under `key` for `ttlSeconds`. */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Reads and deletes `key` atomically: a nonce can be taken once. */
  take(key: string): Promise<string | null>;
  /** True when the store answers now. */
  ping(): Promise<boolean>;
  /** True while connected (always true for the in-process store). */
  isConnected(): boolean;
}

/** A store on an ioredis client the caller owns (and closes). */
export function redisStore(redis: Redis): KeyValueStore {
  return {
    kind: 'redis',
    redis,
    async put(key, value, ttlSeconds) {
      await redis.set(key, value, 'EX', ttlSeconds);
    },
    async take(key) {
      return redis.getdel(key);
    },
    async ping() {
      try {
        return (await redis.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    isConnected: () => redis.status === 'ready',
  };
}

/** The embedded default: a Map with expiry, for one process only. */
export function memoryStore(): KeyValueStore {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    kind: 'memory',
    redis: undefined,
    async put(key, value, ttlSeconds) {
      if (entries.size > 100_000) {
        const now = Date.now();
        for (const [k, e] of entries) if (e.expiresAt <= now) entries.delete(k);
      }
      entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    },
    async take(key) {
      const entry = entries.get(key);
      entries.delete(key);
      return entry && entry.expiresAt > Date.now() ? entry.value : null;
    },
    ping: async () => true,
    isConnected: () => true,
  };
}
