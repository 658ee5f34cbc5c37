import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, manifest, PUBLIC, ROOT } from './consumer';

interface Released {
  version: string;
  private: boolean;
  changelog: string | null;
  publish?: { name: string; version: string; files: { path: string }[] };
}

describe('the release (changeset version, then what changeset publish runs), as a dry run', () => {
  let result: { pending: { file: string; packages: string[] }[]; packages: Record<string, Released> };
  beforeAll(() => {
    const out = check(process.execPath, [join(ROOT, 'scripts', 'release-dry-run.mjs')], { cwd: ROOT });
    result = JSON.parse(out.trim().split('\n').pop() ?? '');
  });

  it('consumes every changeset of a published package (those of the ignored service stay)', () => {
    const ignored = JSON.parse(readFileSync(join(ROOT, '.changeset', 'config.json'), 'utf8')).ignore as string[];
    for (const { file, packages } of result.pending) {
      expect([file, packages.filter((name) => !ignored.includes(name))]).toEqual([file, []]);
    }
  });

  it.each(PUBLIC)('releases %s as 0.1.0, with release notes, LICENSE, README and built code in the tarball', (pkg) => {
    const { name } = manifest(pkg);
    const released = result.packages[name] as Released;
    expect(released.version).toBe('0.1.0');
    expect(released.changelog).toMatch(new RegExp(`^# ${name}\\n\\n## 0\\.1\\.0\\n\\n### Minor Changes\\n\\n- `));
    expect(released.publish).toMatchObject({ name, version: '0.1.0' });
    const files = released.publish?.files.map((file) => file.path) ?? [];
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']),
    );
    expect(files.filter((file) => /^(src|test|benchmarks|examples)\//.test(file))).toEqual([]);
  });

  it('names the moved learn-to-earn metrics and events in the release notes of @app/metrics and @app/audit', () => {
    expect(result.packages['@app/metrics']?.changelog).toContain('reward_claims_total');
    expect(result.packages['@app/audit']?.changelog).toContain('AUDIT_ERR_UNKNOWN_EVENT');
  });

  it('leaves the service and the private helpers unreleased', () => {
    for (const name of ['@app/api', '@app/test-utils', '@app/consumer-test']) {
      expect(result.packages[name]).toMatchObject({ private: true, changelog: null });
      expect(result.packages[name]?.publish).toBeUndefined();
    }
    expect(result.packages['@app/api']?.version).toBe('0.1.0');
  });
});
