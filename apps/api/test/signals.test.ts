import { tcpProxy, testDatabaseConfig } from '@app/test-utils';
import { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { createServiceMetrics } from '../src/service-metrics';
import { buildApp, createTestEnv, passQuiz, signIn, sleep, type TestApp, type TestEnv } from './helper';

/** The value of one series from the registry, or undefined when absent. */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return found?.value;
}

/** Polls until `read` returns something `accept` takes, or fails after `ms`. */
async function until<T>(read: () => Promise<T>, accept: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await read();
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms; last value ${String(last)}`);
    await sleep(50);
    last = await read();
  }
  return last;
}

describe('operator signals', () => {
  let env: TestEnv;
  let t: TestApp;
  let pool: Pool;
  const pg = tcpProxy({
    host: String(testDatabaseConfig().host ?? '127.0.0.1'),
    port: Number(testDatabaseConfig().port ?? 5432),
  });

  beforeAll(async () => {
    env = await createTestEnv('api_signals');
    await pg.start();
    pool = new Pool({ ...env.schema.config, host: '127.0.0.1', port: pg.port, connectionTimeoutMillis: 1000 });
    t = await buildApp(env, {
      pool,
      reconciler: true,
      env: { SIGNALS_INTERVAL_MS: '100', BALANCE_REFRESH_INTERVAL_MS: '60000', CLAIM_WAIT_MS: '0' },
    });
  });
  afterAll(async () => {
    await t.app.close();
    await pool.end();
    await pg.stop();
    await env.cleanup();
  });

  it('exposes build info and the process and Node.js metrics, which PROCESS_METRICS=off leaves out', async () => {
    const registry = t.metrics.registry;
    expect(await value(registry, 'app_build_info', { version: '0.1.0', node_version: process.version })).toBe(1);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(registry.getSingleMetric(name)).toBeDefined();
    }
    const off = createServiceMetrics({ processMetrics: false });
    expect(off.registry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
    expect(await value(off.registry, 'app_build_info', { node_version: process.version })).toBe(1);
  });

  it('counts waiting jobs and their age, settles them, refreshes the distributor balance after the payout', async () => {
    const registry = t.metrics.registry;
    const distributorBefore = await until(
      () => value(registry, 'stellar_account_balance_xlm', { account: 'distributor' }),
      (v) => v !== undefined && v > 0,
    );
    await until(
      () => value(registry, 'stellar_account_balance_xlm', { account: 'issuer' }),
      (v) => v !== undefined && v > 0,
    );
    // The RPC refuses every connection: the claim waits as `requested`.
    env.sandbox.faults.inject({ kind: 'drop_connection', times: Infinity });
    const { headers } = await signIn(t.app);
    const submissionId = await passQuiz(t.app, headers);
    const claim = await t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } });
    expect(claim.statusCode).toBe(201);
    const waiting = { kind: 'reward_payout', state: 'requested' };
    await until(
      () => value(registry, 'onchain_jobs_waiting', waiting),
      (v) => v === 1,
    );
    await until(
      () => value(registry, 'onchain_job_oldest_waiting_age_seconds', { kind: 'reward_payout' }),
      (v) => (v ?? 0) > 0.2,
    );
    expect(await value(registry, 'onchain_jobs_waiting', { kind: 'credential_mint', state: 'requested' })).toBe(0);
    expect(await value(registry, 'onchain_reconciler_passes_total', { outcome: 'ok' })).toBeGreaterThan(0);

    env.sandbox.faults.clear();
    await until(
      () => value(registry, 'onchain_jobs_settled_total', { kind: 'reward_payout', status: 'confirmed' }),
      (v) => v === 1,
    );
    await until(
      () => value(registry, 'onchain_jobs_waiting', waiting),
      (v) => v === 0,
    );
    await until(
      () => value(registry, 'onchain_job_oldest_waiting_age_seconds', { kind: 'reward_payout' }),
      (v) => v === 0,
    );
    // The payout (and its fee) left the distributor: refreshed without waiting for the minute timer.
    await until(
      () => value(registry, 'stellar_account_balance_xlm', { account: 'distributor' }),
      (v) => v !== undefined && v < distributorBefore! - 9,
    );
    await until(
      () => value(registry, 'onchain_reconciler_passes_total', { outcome: 'idle' }),
      (v) => (v ?? 0) > 0,
    );
    // The batch read its destinations with one getLedgerEntries request: a new learner's missing account
    // is an expected answer (absent from the result), never an RPC error.
    expect(
      await value(registry, 'stellar_rpc_requests_total', { rpc_method: 'getAccountEntries', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await value(registry, 'stellar_rpc_requests_total', { rpc_method: 'getAccountEntries', outcome: 'rpc_error' }),
    ).toBeUndefined();
  });

  it('says when PostgreSQL stops answering and when it is back, with the pool gauges', async () => {
    const registry = t.metrics.registry;
    await until(
      () => value(registry, 'db_up'),
      (v) => v === 1,
    );
    expect(await value(registry, 'db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(await value(registry, 'db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(await value(registry, 'db_active_connections')).toBeGreaterThanOrEqual(0);
    const errorsBefore = (await value(registry, 'onchain_reconciler_passes_total', { outcome: 'error' })) ?? 0;
    await pg.stop();
    await until(
      () => value(registry, 'db_up'),
      (v) => v === 0,
    );
    // The reconciler cannot read its tables either: its passes fail, counted.
    await until(
      () => value(registry, 'onchain_reconciler_passes_total', { outcome: 'error' }),
      (v) => (v ?? 0) > errorsBefore,
    );
    await pg.start();
    await until(
      () => value(registry, 'db_up'),
      (v) => v === 1,
    );
  });
});
