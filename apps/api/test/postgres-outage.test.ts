import { Writable } from 'node:stream';
import { tcpProxy, testDatabaseConfig } from '@app/test-utils';
import { Pool } from 'pg';
import { createLogger } from '../src/logger';
import { buildApp, createTestEnv, sleep, type TestApp, type TestEnv } from './helper';

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('PostgreSQL down', () => {
  let env: TestEnv;
  let t: TestApp;
  let pool: Pool;
  const lines: Line[] = [];
  const pg = tcpProxy({
    host: String(testDatabaseConfig().host ?? '127.0.0.1'),
    port: Number(testDatabaseConfig().port ?? 5432),
  });

  beforeAll(async () => {
    env = await createTestEnv('api_pg_down');
    await pg.start();
    pool = new Pool({ ...env.schema.config, host: '127.0.0.1', port: pg.port, connectionTimeoutMillis: 1000 });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
        done();
      },
    });
    // The background loops that touch the database run fast: the sealer every 100 ms, the reconciler and
    // the db_up probe every 200 ms, so an outage is seen by all of them many times.
    t = await buildApp(env, {
      pool,
      reconciler: true,
      env: { AUDIT_SEAL_INTERVAL_MS: '100', RECONCILE_INTERVAL_MS: '200', SIGNALS_INTERVAL_MS: '200' },
      server: { loggerInstance: createLogger('debug', sink) },
    });
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

  it('tells the operator once which database is unreachable and why, and once that it is back', async () => {
    // The first test's outage is over (its recovery line written) before this one starts.
    await until('the previous outage to end', () => {
      const last = lines.filter((l) => l.msg.startsWith('PostgreSQL at')).at(-1);
      return last === undefined || last.level === 30;
    });
    const address = `postgresql://127.0.0.1:${pg.port}/${env.schema.config.database ?? ''}`;
    const from = lines.length;
    await pg.stop();
    const attempts = () => lines.slice(from).filter((l) => l.msg === 'audit sealing pass failed; will retry');
    // Many failed passes of the sealer, the reconciler and the probe, and a refused request.
    await until('ten failed sealing passes', () => attempts().length >= 10);
    expect((await t.app.inject({ method: 'GET', url: '/courses' })).statusCode).toBe(503);
    // Warnings about the outage: the monitor's, or any line carrying a connection failure (a loaded machine
    // may add others, e.g. a slow check; those are not what this test is about).
    const aboutDb = (l: Line) =>
      l.msg.startsWith('PostgreSQL at') ||
      /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect/.test(
        JSON.stringify(l.err ?? ''),
      );
    const loud = lines.slice(from).filter((l) => l.level >= 40 && aboutDb(l));
    // The cause is whatever failed first: the proxy resetting open connections, or refusing new ones.
    expect(loud).toHaveLength(1);
    expect(loud[0]!.msg).toBe(
      `PostgreSQL at ${address} unreachable (${loud[0]!['error.code']}): requests answer 503 API_ERR_DATABASE_UNAVAILABLE, payouts and audit sealing wait; checking again every 0.2 s`,
    );
    expect(loud[0]).toMatchObject({
      'server.address': address,
      'error.code': expect.stringMatching(/^(ECONNREFUSED|ECONNRESET|Connection terminated unexpectedly)$/),
    });
    expect(JSON.stringify(loud)).not.toContain(String(env.schema.config.password ?? 'no-password-set'));

    await pg.start();
    await until('the recovery line', () =>
      lines.slice(from).some((l) => l.msg.startsWith(`PostgreSQL at ${address} reachable`)),
    );
    const back = lines.slice(from).filter((l) => l.msg.startsWith('PostgreSQL at'));
    expect(back.map((l) => [l.level, l.msg.replace(/after [\d.]+ s$/, 'after N s')])).toEqual([
      [40, expect.stringContaining(`PostgreSQL at ${address} unreachable (`)],
      [30, `PostgreSQL at ${address} reachable again after N s`],
    ]);
    expect((await t.app.inject({ method: 'GET', url: '/courses' })).statusCode).toBe(200);
    expect(lines.slice(from).filter((l) => l.level >= 40 && aboutDb(l))).toHaveLength(1);
  });
});
