#!/usr/bin/env node
// The release, tried on a throw-away copy of the working tree (nothing is published, nothing here changes):
// `changeset version` as the README's release steps run it, then for every public package what
// `changeset publish` would run, `pnpm publish --dry-run` (packs it and stops before the registry).
// Prints one JSON object: the versions, the changelog of each package and the publish dry-run output.
// Needs the packages built (`turbo run build`) and pnpm on PATH (`npm run pnpm -- exec node scripts/release-dry-run.mjs`).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const copy = mkdtempSync(path.join(tmpdir(), 'app-release-'));
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
try {
  // Tracked and new (not ignored) files, as a commit would have them, plus each package's built dist.
  const files = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], ROOT).split('\0').filter(Boolean);
  for (const file of files) {
    if (existsSync(path.join(ROOT, file))) cpSync(path.join(ROOT, file), path.join(copy, file), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  const packages = readdirSync(path.join(copy, 'packages')).map((name) => path.join('packages', name));
  for (const dir of [...packages, 'apps/api']) {
    if (existsSync(path.join(ROOT, dir, 'dist')))
      cpSync(path.join(ROOT, dir, 'dist'), path.join(copy, dir, 'dist'), { recursive: true });
    if (existsSync(path.join(ROOT, dir, 'node_modules')))
      symlinkSync(path.join(ROOT, dir, 'node_modules'), path.join(copy, dir, 'node_modules'), 'dir');
  }
  const changeset = path.join(ROOT, 'node_modules', '@changesets', 'cli', 'bin.js');
  run(process.execPath, [changeset, 'version'], copy);
  const result = {
    // What `changeset version` leaves: changesets naming only ignored packages (the service), with those names.
    pending: readdirSync(path.join(copy, '.changeset'))
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .map((file) => {
        const front = readFileSync(path.join(copy, '.changeset', file), 'utf8').split('---')[1] ?? '';
        return { file, packages: [...front.matchAll(/"([^"]+)":/g)].map((m) => m[1]) };
      }),
    packages: {},
  };
  for (const dir of [...packages, 'apps/api']) {
    const manifest = JSON.parse(readFileSync(path.join(copy, dir, 'package.json'), 'utf8'));
    const changelog = path.join(copy, dir, 'CHANGELOG.md');
    const entry = {
      dir,
      version: manifest.version,
      private: Boolean(manifest.private),
      changelog: existsSync(changelog) ? readFileSync(changelog, 'utf8') : null,
    };
    if (!manifest.private) {
      const out = execFileSync('pnpm', ['publish', '--dry-run', '--no-git-checks', '--json'], {
        cwd: path.join(copy, dir),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      entry.publish = JSON.parse(out.slice(out.indexOf('{')));
    }
    result.packages[manifest.name] = entry;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  rmSync(copy, { recursive: true, force: true });
}
