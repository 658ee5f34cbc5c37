import { testRedisOptions } from '@app/test-utils';
import { Redis } from 'ioredis';
import { watchRedis } from '../src/plugins/redis';

describe('Redis operator messages', () => {
  it('one warning naming the address and cause while retries go on, never the password', async () => {
    const lines: Array<{ level: string; obj: object; msg: string }> = [];
    const log = {
      info: (obj: object, msg: string) => lines.push({ level: 'info', obj, msg }),
      warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj, msg }),
      debug: (obj: object, msg: string) => lines.push({ level: 'debug', obj, msg }),
    };
    // Nothing listens on port 1: every attempt fails; retry fast so several happen.
    const redis = new Redis('redis://:hunter2-password@127.0.0.1:1/0', {
      retryStrategy: () => 50,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    watchRedis(redis, log);
    try {
      const deadline = Date.now() + 10_000;
      while (lines.filter((l) => l.msg.includes('retrying')).length < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const warnings = lines.filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:1\/0 unreachable \(ECONNREFUSED\)/);
      expect(lines.filter((l) => l.msg.includes('retrying')).length).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(lines)).not.toContain('hunter2');
    } finally {
      redis.disconnect();
    }
  });

  it('says nothing alarming when the service closes its own connection (shutdown)', async () => {
    const lines: Array<{ level: string; msg: string }> = [];
    const log = {
      info: (_obj: object, msg: string) => lines.push({ level: 'info', msg }),
      warn: (_obj: object, msg: string) => lines.push({ level: 'warn', msg }),
      debug: (_obj: object, msg: string) => lines.push({ level: 'debug', msg }),
    };
    const redis = new Redis(testRedisOptions());
    watchRedis(redis, log);
    await new Promise((resolve) => redis.once('ready', resolve));
    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect();
    await ended;
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.filter((l) => l.level !== 'debug').map((l) => l.msg)).toEqual([
      `Redis at redis://${testRedisOptions().host ?? '127.0.0.1'}:${testRedisOptions().port ?? 6379}/0 connected`,
    ]);
    expect(lines.at(-1)?.msg).toMatch(/connection closed by the service$/);
  });
});
