import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestSchema, type TestSchema, testDatabaseConfig } from '@app/test-utils';
import { createAuditWriter } from '../src/writer';
import { inTransaction, sealAll } from './helpers';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const PASSWORD = 'cli-test-pw-91f3';

function urlWithPassword(): string {
  const c = testDatabaseConfig();
  if (c.connectionString) {
    const url = new URL(c.connectionString);
    url.password = PASSWORD;
    return url.toString();
  }
  return `postgres://${c.user}:${PASSWORD}@${c.host}:${c.port}/${c.database}`;
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATABASE_URL: '' },
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('app-audit CLI (built)', () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await createTestSchema('audit_cli');
  });
  afterAll(async () => {
    await schema.drop();
  });

  it('migrates, verifies, names the first broken row, and never prints the password', async () => {
    const url = urlWithPassword();
    const migrate = await cli(['migrate', '--database-url', url, '--schema', schema.name]);
    expect(migrate).toMatchObject({ code: 0 });
    expect(migrate.out).toMatch(/applied 1/);
    expect((await cli(['migrate', '--database-url', url, '--schema', schema.name])).out).toMatch(/already up to date/);

    const audit = createAuditWriter();
    for (let i = 0; i < 5; i++)
      await audit.write(schema.pool, { event: 'reward_claimed', result: 'success', amount: i });
    await sealAll(schema.pool);
    const ok = await cli(['verify', '--database-url', url, '--schema', schema.name]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/OK: 5 sealed rows verified/);

    const { rows } = await schema.pool.query('SELECT id::int, event_id::text FROM audit_events WHERE amount = 3');
    await inTransaction(schema.pool, async (client) => {
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query('UPDATE audit_events SET amount = 3000 WHERE amount = 3');
    });
    const bad = await cli(['verify', '--database-url', url, '--schema', schema.name]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`BROKEN at chain seq 4, audit_events.id ${rows[0].id}, event_id ${rows[0].event_id}`);
    expect(bad.out).toMatch(/hash mismatch/);
    const range = await cli(['verify', '--database-url', url, '--schema', schema.name, '--to', String(rows[0].id - 1)]);
    expect(range).toMatchObject({ code: 0 });

    for (const r of [migrate, ok, bad, range]) {
      expect(r.out).not.toContain(PASSWORD);
      expect(r.out).toContain('xxxxx');
    }
  });

  it('fails naming the oldest row left unsealed past --grace, and passes within it', async () => {
    const other = await createTestSchema('audit_cli_grace');
    try {
      const url = urlWithPassword();
      expect((await cli(['migrate', '--database-url', url, '--schema', other.name])).code).toBe(0);
      const audit = createAuditWriter();
      await audit.write(other.pool, { event: 'quiz_submitted', result: 'success', userId: 'sealed' });
      await sealAll(other.pool);
      // Written ten minutes ago by its clock and never sealed: the sealer was not running.
      const late = await audit.write(other.pool, {
        event: 'reward_claimed',
        result: 'success',
        createdAt: new Date(Date.now() - 600_000),
      });
      const { rows } = await other.pool.query('SELECT id::int FROM audit_events WHERE event_id = $1', [late.eventId]);
      const failed = await cli(['verify', '--database-url', url, '--schema', other.name]);
      expect(failed.code).toBe(4);
      expect(failed.out).toContain(
        `UNSEALED: 1 rows not sealed after 60s; oldest audit_events.id ${rows[0].id}, event_id ${late.eventId}`,
      );
      expect(failed.out).toMatch(/checked 1 sealed rows \(intact\)/);
      const lenient = await cli(['verify', '--database-url', url, '--schema', other.name, '--grace', '3600']);
      expect(lenient.code).toBe(0);
      expect(lenient.out).toMatch(
        /OK: 1 sealed rows verified .*; 1 not sealed yet \(oldest 60\ds old\), 0 past the 3600s grace/,
      );
      expect((await cli(['verify', '--database-url', url, '--grace', 'soon'])).code).toBe(2);
      await sealAll(other.pool);
      expect((await cli(['verify', '--database-url', url, '--schema', other.name])).code).toBe(0);
    } finally {
      await other.drop();
    }
  });

  it('fails with a clear line and without the password when the database is unreachable', async () => {
    const result = await cli(['verify', '--database-url', `postgres://u:${PASSWORD}@127.0.0.1:1/x`]);
    expect(result.code).toBe(3);
    expect(result.out).toMatch(/^app-audit: .*ECONNREFUSED/m);
    expect(result.out).not.toContain(PASSWORD);
  });

  it('explains usage', async () => {
    expect(await cli(['verify'])).toMatchObject({ code: 2, out: expect.stringMatching(/--database-url/) });
    expect(await cli(['frobnicate', '--database-url', 'postgres://x'])).toMatchObject({ code: 2 });
  });
});
