import { tcpProxy, testDatabaseConfig } from '@app/test-utils';
import { Pool } from 'pg';
import { buildApp, createTestEnv, sleep, type TestApp, type TestEnv } from './helper';

describe('PostgreSQL down', () => {
  let env: TestEnv;
  let t: TestApp;
  let pool: Pool;
  const pg = tcpProxy({
    host: String(testDatabaseConfig().host ?? '127.0.0.1'),
    port: Number(testDatabaseConfig().port ?? 5432),
  });

  beforeAll(async () => {
    env = await createTestEnv('api_pg_down');
    await pg.start();
    pool = new Pool({ ...env.schema.config, host: '127.0.0.1', port: pg.port, connectionTimeoutMillis: 1000 });
    t = await buildApp(env, { pool });
  });
  afterAll(async () => {
    await t.app.close();
    await pool.end();
    await pg.stop();
    await env.cleanup();
  });

  it('answers 503 with a clear body while it is down and recovers by itself', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/courses' })).statusCode).toBe(200);
    await pg.stop();
    const down = await t.app.inject({ method: 'GET', url: '/courses' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({
      statusCode: 503,
      code: 'API_ERR_DATABASE_UNAVAILABLE',
      message: 'the database cannot be reached; retry shortly',
    });
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.postgres).toBe('down');
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    await pg.start();
    let status = 0;
    for (let i = 0; i < 30 && status !== 200; i += 1) {
      status = (await t.app.inject({ method: 'GET', url: '/courses' })).statusCode;
      if (status !== 200) await sleep(100);
    }
    expect(status).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });
});
