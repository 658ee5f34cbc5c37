import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

/** Connection settings of the Redis the tests run against. */
export function testRedisOptions(): RedisOptions {
  return {
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    maxRetriesPerRequest: 1,
  };
}

export interface TestRedis {
  /** A key prefix unique to this test, ending in ':'. */
  readonly prefix: string;
  /** A client whose commands are prefixed (ioredis `keyPrefix`). */
  readonly client: Redis;
  /** Deletes every key under the prefix and disconnects. */
  cleanup(): Promise<void>;
}

/** A Redis client confined to a key prefix owned by one test. */
export function createTestRedis(label = 'test'): TestRedis {
  const prefix = `${label}:${randomBytes(5).toString('hex')}:`;
  const client = new Redis({ ...testRedisOptions(), keyPrefix: prefix });
  return {
    prefix,
    client,
    async cleanup() {
      const raw = new Redis(testRedisOptions());
      let cursor = '0';
      do {
        const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await raw.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      raw.disconnect();
      client.disconnect();
    },
  };
}
