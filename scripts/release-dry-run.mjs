#!/usr/bin/env node
// The release, rehearsed without publishing: `changeset version` then `changeset publish` as the
// README documents them, run in a throw-away copy of the repository so nothing here changes.
//
//   1. copy the tracked files and the built `dist/` folders into a temp dir, commit them to a fresh git repo
//      (changesets reads git), with the workspace packages linked to each other;
//   2. `changeset status --output` (the release plan), then `changeset version` (versions, CHANGELOG.md);
//   3. `changeset publish-plan` and `changeset pack` (what `changeset publish` would upload, `workspace:`
//      ranges replaced by versions), then `npm publish --dry-run --json` of every tarball.
//
// Prints one JSON object on the last line of stdout (the plan, versions, changelogs, tarball contents and
// the dry-run publish results); exits 1 on any failure. Needs the public packages built (`turbo run build`)
// and the npm registry reachable (publish-plan asks it which versions exist). `--keep` keeps the temp dir.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');

function pnpmBin() {
  const tools = path.join(ROOT, '.tools');
  const dir = existsSync(tools) ? readdirSync(tools).find((name) => name.startsWith('pnpm-')) : undefined;
  return dir ? path.join(tools, dir, 'node_modules', '.bin', 'pnpm') : 'pnpm';
}

// `changeset pack` runs pnpm from PATH: put the pinned one (and the running node) first.
const env = {
  ...process.env,
  PATH: [path.dirname(pnpmBin()), path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
};

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
}

function workspacePackages(root) {
  return ['packages', 'apps'].flatMap((group) => {
    const dir = path.join(root, group);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((name) => path.join(group, name))
      .filter((rel) => existsSync(path.join(root, rel, 'package.json')))
      .map((rel) => ({ rel, manifest: JSON.parse(readFileSync(path.join(root, rel, 'package.json'), 'utf8')) }));
  });
}

const publicPackages = workspacePackages(ROOT).filter((p) => !p.manifest.private);
for (const { rel, manifest } of publicPackages) {
  if (!existsSync(path.join(ROOT, rel, 'dist'))) {
    throw new Error(`${manifest.name} is not built (${rel}/dist missing): run \`npm run build\` first`);
  }
}

const work = mkdtempSync(path.join(tmpdir(), 'release-dry-run-'));
try {
  // 1. A copy of the repository as a fresh clone would hold it, plus the built output.
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT)
    .split('\0')
    .filter((file) => file && !file.startsWith('.tools/') && existsSync(path.join(ROOT, file)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(work, file));
  }
  for (const { rel } of publicPackages)
    cpSync(path.join(ROOT, rel, 'dist'), path.join(work, rel, 'dist'), { recursive: true });
  const git = (...args) =>
    run('git', ['-c', 'user.name=release-dry-run', '-c', 'user.email=dry-run@localhost', ...args], work);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'release dry run');
  // No install: the changesets CLI comes from the repository's node_modules, and each package links the
  // workspace packages it depends on to their copies here, so `pnpm pack` turns `workspace:` ranges into the
  // versions `changeset version` just wrote.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  const copies = workspacePackages(work);
  for (const { rel, manifest } of copies) {
    const deps = { ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies };
    for (const dep of copies.filter((other) => other.manifest.name in deps)) {
      const link = path.join(work, rel, 'node_modules', dep.manifest.name);
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(path.join(work, dep.rel), link, 'dir');
    }
  }

  const changeset = (...args) =>
    run(process.execPath, [path.join(work, 'node_modules', '@changesets', 'cli', 'bin.js'), ...args], work);

  // 2. The plan, then `changeset version`.
  changeset('status', '--output', 'status.json');
  const status = JSON.parse(readFileSync(path.join(work, 'status.json'), 'utf8'));
  changeset('version');
  const after = workspacePackages(work);
  const versions = Object.fromEntries(after.map((p) => [p.manifest.name, p.manifest.version]));
  const changelogs = Object.fromEntries(
    after
      .filter((p) => existsSync(path.join(work, p.rel, 'CHANGELOG.md')))
      .map((p) => [p.manifest.name, readFileSync(path.join(work, p.rel, 'CHANGELOG.md'), 'utf8')]),
  );
  const leftChangesets = readdirSync(path.join(work, '.changeset')).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  );

  // 3. What `changeset publish` would upload, and npm's dry run of each upload.
  changeset('publish-plan', '--output', 'publish-plan.json');
  const publishPlan = JSON.parse(readFileSync(path.join(work, 'publish-plan.json'), 'utf8'));
  changeset('pack', '--from-publish-plan', 'publish-plan.json', '--out-dir', 'packs');
  const tarballs = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.tgz')) tarballs.push(full);
    }
  };
  walk(path.join(work, 'packs'));
  const published = tarballs.sort().map((tarball) => {
    const npm = spawnSync('npm', ['publish', '--dry-run', '--json', tarball], { cwd: work, encoding: 'utf8', env });
    if (npm.status !== 0) throw new Error(`npm publish --dry-run ${path.basename(tarball)} failed:\n${npm.stderr}`);
    const parsed = JSON.parse(npm.stdout.slice(npm.stdout.indexOf('{')));
    // npm 11 keys the result by package name; older npm returns it bare.
    const result = Array.isArray(parsed.files) ? parsed : Object.values(parsed)[0];
    // "Publishing to https://registry.npmjs.org/ with tag latest and public access (dry-run)"
    const notice = npm.stderr.split('\n').find((line) => line.includes('Publishing to')) ?? '';
    const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], work));
    return {
      tarball: path.basename(tarball),
      name: result.name,
      version: result.version,
      files: result.files.map((f) => f.path).sort(),
      dependencies: manifest.dependencies ?? {},
      access: manifest.publishConfig?.access ?? null,
      notice: notice.replace(/^npm notice /, '').trim(),
    };
  });

  const summary = { status, versions, changelogs, leftChangesets, publishPlan, published };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} catch (error) {
  const detail = error.stderr ? `\n${error.stderr}` : '';
  process.stderr.write(`release dry run failed: ${error.message}${detail}\n`);
  process.exitCode = 1;
} finally {
  if (keep) process.stderr.write(`kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
