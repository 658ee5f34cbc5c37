import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { testDatabaseConfig } from '@app/test-utils';

describe('examples/', () => {
  it('reward-claim.mts runs against the real PostgreSQL and verifies its chain, with no secret logged', () => {
    const c = testDatabaseConfig();
    const url = c.connectionString ?? `postgres://${c.user}@${c.host}:${c.port}/${c.database}`;
    const out = execFileSync(process.execPath, [join(__dirname, '..', 'examples', 'reward-claim.mts')], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, DATABASE_URL: url, NODE_OPTIONS: '' },
      encoding: 'utf8',
    });
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.filter((l) => l['event.dataset'] === 'audit' && l['event.action'])).toHaveLength(2);
    // Sealing may lag behind another session's open transaction (cluster-wide xmin): count both.
    const verified = lines.at(-1);
    expect(verified).toMatchObject({ msg: 'verified', ok: true });
    expect(verified.checked + verified.unsealed).toBe(2);
    expect(out).not.toContain('never-stored');
  });
});
