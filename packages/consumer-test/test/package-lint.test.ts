import { join } from 'node:path';
import { PUBLIC, ROOT, run } from './consumer';

const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

describe.each(PUBLIC)('@app/%s as published', (pkg) => {
  const cwd = join(ROOT, 'packages', pkg);

  it('passes publint --strict (warnings fail too)', () => {
    const publint = run(bin('publint'), ['--strict'], { cwd });
    expect(publint.stdout).toContain('All good!');
    expect(publint.status).toBe(0);
  });

  it('passes are-the-types-wrong under node10, node16 (CJS and ESM) and bundler resolution', () => {
    const attw = run(bin('attw'), ['--pack', '.', '--format', 'ascii'], { cwd });
    expect([attw.status, attw.stdout]).toEqual([0, expect.stringContaining('No problems found')]);
  });
});
