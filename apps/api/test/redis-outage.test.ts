import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRedisClient } from '../src/runtime';
import { buildApp, createTestEnv, passQuiz, signIn, sleep, type TestApp, type TestEnv } from './helper';

/** A free loopback port for a private redis-server (never the shared one on 6379). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  return child;
}

async function until(check: () => Promise<boolean>, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(100);
  }
}

describe('Redis stopped and restarted', () => {
  let env: TestEnv;
  let t: TestApp;
  let redisServer: ChildProcess;
  let port: number;
  const client = () => t.options.store.redis!;

  beforeAll(async () => {
    env = await createTestEnv('api_redis');
    port = await freePort();
    redisServer = await startRedis(port);
    t = await buildApp(env, { redis: createRedisClient(`redis://127.0.0.1:${port}`) });
    await until(async () => client().status === 'ready');
  });
  afterAll(async () => {
    await t.app.close();
    client().disconnect();
    redisServer.kill('SIGKILL');
    await env.cleanup();
  });

  const metric = async () =>
    (await t.metrics.registry.getSingleMetricAsString('redis_connected')).trim().split('\n').pop();

  it('serves what does not need Redis, answers 503 on sign-in, and recovers by itself', async () => {
    const { headers } = await signIn(t.app);
    expect(await metric()).toBe('redis_connected 1');

    const stopped = new Promise((resolve) => redisServer.once('exit', resolve));
    redisServer.kill('SIGTERM');
    await stopped;
    await until(async () => client().status !== 'ready');

    const challenge = await t.app.inject({
      method: 'POST',
      url: '/auth/challenge',
      payload: { stellarAddress: 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7' },
    });
    expect(challenge.statusCode).toBe(503);
    expect(challenge.json()).toMatchObject({ code: 'API_ERR_AUTH_STORE_UNAVAILABLE' });
    expect(challenge.json().message).toMatch(/Redis/);
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/courses' })).statusCode).toBe(200);
    // A session issued before the outage still works: JWTs need no Redis.
    expect(await passQuiz(t.app, headers)).toMatch(/^[0-9a-f-]{36}$/);
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { redis: 'down', postgres: 'up' } });
    expect(await metric()).toBe('redis_connected 0');

    redisServer = await startRedis(port);
    await until(async () => client().status === 'ready');
    expect(await metric()).toBe('redis_connected 1');
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    await expect(signIn(t.app)).resolves.toHaveProperty('headers');
  });
});
