import { createTestRedis, createTestSchema, type TestRedis, type TestSchema, testRedisOptions } from '@app/test-utils';
import { Redis } from 'ioredis';
import { createMetrics, observePgPool, observeRedisClient } from '../src';
import { samples } from './helpers/promtool';

async function gauge(metrics: ReturnType<typeof createMetrics>, name: string): Promise<number> {
  const [line] = samples(await metrics.registry.metrics(), name);
  return Number(line?.split(' ').pop());
}

describe('observePgPool', () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await createTestSchema('metrics_pool', { max: 4 });
  });
  afterEach(async () => {
    await schema.drop();
  });

  it('reports the connections checked out of a real pg Pool at scrape time', async () => {
    const metrics = createMetrics();
    const stop = observePgPool(metrics, schema.pool);
    expect(await gauge(metrics, 'db_active_connections')).toBe(0);

    const a = await schema.pool.connect();
    const b = await schema.pool.connect();
    await a.query('SELECT 1');
    expect(await gauge(metrics, 'db_active_connections')).toBe(2);

    a.release();
    expect(await gauge(metrics, 'db_active_connections')).toBe(1);
    b.release();
    // Released connections stay open but idle: not active.
    expect(schema.pool.totalCount).toBe(2);
    expect(await gauge(metrics, 'db_active_connections')).toBe(0);

    const c = await schema.pool.connect();
    stop();
    expect(await gauge(metrics, 'db_active_connections')).toBe(0);
    c.release();
  });
});

describe('observeRedisClient', () => {
  let redis: TestRedis;
  beforeEach(() => {
    redis = createTestRedis('metrics');
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it('reports 1 while a real ioredis client is connected and 0 once it is not', async () => {
    const metrics = createMetrics();
    const stop = observeRedisClient(metrics, redis.client);
    await redis.client.set('k', 'v');
    expect(redis.client.status).toBe('ready');
    expect(await gauge(metrics, 'redis_connected')).toBe(1);

    // One observed client that is not connected makes the gauge 0.
    const notConnected = new Redis({ ...testRedisOptions(), lazyConnect: true });
    const stopNotConnected = observeRedisClient(metrics, notConnected);
    expect(notConnected.status).toBe('wait');
    expect(await gauge(metrics, 'redis_connected')).toBe(0);
    stopNotConnected();
    expect(await gauge(metrics, 'redis_connected')).toBe(1);

    stop();
    // A client of our own to quit (the shared helper owns and disconnects redis.client).
    const own = new Redis(testRedisOptions());
    const stopOwn = observeRedisClient(metrics, own);
    await own.ping();
    expect(await gauge(metrics, 'redis_connected')).toBe(1);
    const ended = new Promise((resolve) => own.once('end', resolve));
    await own.quit();
    await ended;
    expect(await gauge(metrics, 'redis_connected')).toBe(0);
    stopOwn();
  });
});
