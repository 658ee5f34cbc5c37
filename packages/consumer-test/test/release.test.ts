import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PUBLIC = ['@app/audit', '@app/metrics', '@app/stellar-instrumented', '@app/stellar-sandbox', '@app/tracing'];
const FIRST_RELEASE = '0.1.0';

interface Summary {
  status: { releases: Array<{ name: string; type: string; newVersion: string; changesets: string[] }> };
  versions: Record<string, string>;
  changelogs: Record<string, string>;
  leftChangesets: string[];
  publishPlan: { plan: Array<Array<{ kind: string; name: string; version: string; access: string; tag: string }>> };
  published: Array<{
    name: string;
    version: string;
    files: string[];
    dependencies: Record<string, string>;
    access: string | null;
    notice: string;
  }>;
}

// `changeset version` then `changeset publish`, rehearsed in a copy of the repository (nothing is published).
describe('the release (scripts/release-dry-run.mjs)', () => {
  let summary: Summary;
  beforeAll(() => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'release-dry-run.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    summary = JSON.parse(out.trim().split('\n').pop() as string);
  });

  it('versions exactly the public packages, each to the first release version', () => {
    const released = summary.status.releases.filter((r) => r.type !== 'none');
    expect(released.map((r) => [r.name, r.newVersion]).sort()).toEqual(PUBLIC.map((name) => [name, FIRST_RELEASE]));
    for (const name of PUBLIC) expect(summary.versions[name]).toBe(FIRST_RELEASE);
    // Private packages (the service, test helpers, this package) are neither versioned nor published.
    const manifests = ['apps/api', 'packages/test-utils', 'packages/consumer-test'].map(
      (dir) =>
        JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as { name: string; version: string },
    );
    for (const { name, version } of manifests) {
      expect(released.map((r) => r.name)).not.toContain(name);
      expect(summary.versions[name]).toBe(version);
    }
    // Every changeset is consumed: one naming only a private package (the service) would linger forever.
    expect(summary.leftChangesets).toEqual([]);
  });

  it('bumps no package for a change that ships nothing (the benchmark changeset is empty)', () => {
    for (const release of summary.status.releases.filter((r) => r.type !== 'none')) {
      expect(release.changesets).not.toContain('benchmarks-pinned-pipelined');
    }
  });

  it('writes a CHANGELOG per public package whose entries read as release notes', () => {
    for (const name of PUBLIC) {
      const changelog = summary.changelogs[name] ?? '';
      expect(changelog.startsWith(`# ${name}\n\n## ${FIRST_RELEASE}\n\n### Minor Changes\n`)).toBe(true);
      // Every entry is prose, not a bare commit message (changesets' own "Updated dependencies" aside).
      const entries = changelog
        .split('\n')
        .filter((line) => line.startsWith('- ') && !line.startsWith('- Updated dependencies'));
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) expect(entry.length).toBeGreaterThan(40);
    }
    expect(summary.changelogs['@app/metrics']).toContain('reward_claims_total');
    expect(summary.changelogs['@app/audit']).toContain('AUDIT_ERR_UNKNOWN_EVENT');
  });

  it('publishes all five with public access on the latest tag, dependents after their dependencies', () => {
    const plan = summary.publishPlan.plan.flat();
    expect(plan.map((p) => p.name).sort()).toEqual(PUBLIC);
    for (const entry of plan)
      expect(entry).toMatchObject({ kind: 'publish', version: FIRST_RELEASE, access: 'public', tag: 'latest' });
    const layer = (name: string) => summary.publishPlan.plan.findIndex((l) => l.some((p) => p.name === name));
    expect(layer('@app/stellar-instrumented')).toBeGreaterThan(layer('@app/metrics'));
  });

  it('packs tarballs npm accepts for publishing: LICENSE, README, types and code, nothing else', () => {
    expect(summary.published.map((p) => p.name).sort()).toEqual(PUBLIC);
    for (const pkg of summary.published) {
      expect(pkg.version).toBe(FIRST_RELEASE);
      expect(pkg.access).toBe('public');
      expect(pkg.notice).toMatch(/with tag latest and public access \(dry-run\)/);
      expect(pkg.files).toEqual(
        expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']),
      );
      const stray = pkg.files.filter(
        (f) => !/^(LICENSE|README\.md|package\.json|dist\/.+|migrations\/.+\.sql)$/.test(f),
      );
      expect(stray).toEqual([]);
      for (const range of Object.values(pkg.dependencies)) expect(range).not.toMatch(/^workspace:/);
    }
    const instrumented = summary.published.find((p) => p.name === '@app/stellar-instrumented');
    expect(instrumented?.dependencies['@app/metrics']).toBe(FIRST_RELEASE);
  });
});
