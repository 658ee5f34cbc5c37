import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createAuditWriter, readAuditBacklog } from '@app/audit';
import { testDatabaseConfig } from '@app/test-utils';
import { buildApp, createTestEnv, passQuiz, signIn, type TestApp, type TestEnv } from './helper';

const run = promisify(execFile);
const CLI = path.join(path.dirname(require.resolve('@app/audit/package.json')), 'dist', 'cli.js');

function databaseUrl(): string {
  const c = testDatabaseConfig();
  return c.connectionString ?? `postgres://${c.user ?? 'postgres'}@${c.host}:${c.port}/${c.database}`;
}

/** `app-audit verify` on the test's schema, as an operator runs it. */
async function verify(schema: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'verify', '--schema', schema, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl(), AUDIT_CHAIN_KEY: '' },
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** As the table owner with the append-only triggers disabled (what a superuser can do). */
async function asSuperuser(env: TestEnv, sql: string, values: unknown[] = []): Promise<void> {
  const client = await env.schema.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await client.query(sql, values);
    await client.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

describe('the service seals its audit trail', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_audit_seal');
    t = await buildApp(env, { env: { AUDIT_SEAL_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('seals at shutdown what committed before it', async () => {
    const other = await buildApp(env, { env: { AUDIT_SEAL_INTERVAL_MS: '3600000' } });
    const { headers } = await signIn(other.app);
    await passQuiz(other.app, headers);
    const pool = env.schema.pool;
    // Every transaction below this xmin has ended: the last pass, which starts later, must seal all of them.
    const { rows } = await pool.query('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
    await other.app.close();
    const left = await pool.query(
      `SELECT count(*)::int AS n FROM audit_events e
        WHERE e.txid < $1::xid8 AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_pk = e.id)
          AND e.created_at > now() - interval '30 seconds'`,
      [rows[0].xmin],
    );
    expect(left.rows[0].n).toBe(0);
    const metrics = await other.metrics.registry.metrics();
    expect(Number(/^audit_seal_last_success_timestamp_seconds (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  });
  it('seals a journey within a sealer interval, exposes its health, and verify finds every tampering', async () => {
    const schema = env.schema.name;
    const pool = env.schema.pool;
    const { headers } = await signIn(t.app);
    const submissionId = await passQuiz(t.app, headers);
    const claim = await t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } });
    expect(claim.json().status).toBe('confirmed');

    // The sealer running inside the app seals everything (other suites' open transactions may delay a pass).
    await until(async () => (await readAuditBacklog(pool)).unsealed === 0, 'the journey to be sealed');
    const rows = (await pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n as number;
    // The shutdown test's two, then authn_login_success, quiz_submitted, reward_claim_requested,
    // reward_payout_submitted, reward_claimed.
    expect(rows).toBe(7);
    const ok = await verify(schema);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(new RegExp(`OK: ${rows} sealed rows verified .*; 0 not sealed yet, 0 past the 60s grace`));

    const metrics = await t.metrics.registry.metrics();
    expect(metrics).toContain('audit_unsealed_rows 0');
    expect(metrics).toContain('audit_oldest_unsealed_age_seconds 0');
    expect(metrics).toContain('audit_seal_failures_total 0');
    const lastSuccess = Number(/^audit_seal_last_success_timestamp_seconds (\S+)$/m.exec(metrics)?.[1]);
    expect(Date.now() / 1000 - lastSuccess).toBeLessThan(30);

    // 1. A superuser changes the amount of a paid reward with the triggers disabled.
    const paid = (
      await pool.query("SELECT id::int, event_id::text, amount::text FROM audit_events WHERE event = 'reward_claimed'")
    ).rows[0];
    await asSuperuser(env, 'UPDATE audit_events SET amount = 1000 WHERE id = $1', [paid.id]);
    const edited = await verify(schema);
    expect(edited.code).toBe(1);
    expect(edited.out).toContain(`audit_events.id ${paid.id}, event_id ${paid.event_id}: hash mismatch`);
    await asSuperuser(env, 'UPDATE audit_events SET amount = $2 WHERE id = $1', [paid.id, paid.amount]);
    expect((await verify(schema)).code).toBe(0);

    // 2. A forged row slipped in behind the sealer (an old transaction id, as if written long ago).
    const forged = '00000000-0000-4000-8000-000000000bad';
    await asSuperuser(
      env,
      `INSERT INTO audit_events (event_id, schema_version, event, result, user_id, amount, created_at, txid)
       SELECT $1, 1, 'reward_claimed', 'success', user_id, 500, created_at, txid FROM audit_events ORDER BY id LIMIT 1`,
      [forged],
    );
    const inserted = await verify(schema);
    expect(inserted.code).toBe(1);
    expect(inserted.out).toContain(`event_id ${forged}: event row not in the chain`);
    await asSuperuser(env, 'DELETE FROM audit_events WHERE event_id = $1', [forged]);
    expect((await verify(schema)).code).toBe(0);

    // 3. The service stops (no sealer left running) and a row stays unsealed past the grace.
    await t.app.close();
    const late = await createAuditWriter().write(pool, {
      event: 'quiz_submitted',
      result: 'success',
      resource: 'submission',
      action: 'submit',
      createdAt: new Date(Date.now() - 120_000),
    });
    const stale = await verify(schema);
    expect(stale.code).toBe(4);
    expect(stale.out).toMatch(
      new RegExp(`UNSEALED: 1 rows not sealed after 60s; oldest audit_events.id \\d+, event_id ${late.eventId}`),
    );
    expect((await verify(schema, '--grace', '600')).code).toBe(0);

    // 4. A sealed row deleted.
    await asSuperuser(env, 'DELETE FROM audit_events WHERE id = $1', [paid.id]);
    const deleted = await verify(schema, '--grace', '600');
    expect(deleted.code).toBe(1);
    expect(deleted.out).toContain(`audit_events.id ${paid.id}`);
    expect(deleted.out).toContain('event row missing (deleted after sealing)');
  }, 60_000);
});
