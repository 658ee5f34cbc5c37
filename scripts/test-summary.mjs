#!/usr/bin/env node
// Sums the jest reports of every workspace package into one closing line,
// "N passed, N failed", so that a run which executed no test shows as such.
// `--clean` removes old reports before a run; `--report` prints the line.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPORT = path.join('reports', 'jest.json');

/** The folders pnpm-workspace.yaml lists: `group/*` entries and single folders such as `ops`. */
function workspacePackages() {
  const patterns = readFileSync(path.join(ROOT, 'pnpm-workspace.yaml'), 'utf8')
    .split('\n')
    .map((line) => /^\s*-\s*['"]?([^'"#\s]+)['"]?/.exec(line)?.[1])
    .filter(Boolean);
  return patterns.flatMap((pattern) => {
    const dir = path.join(ROOT, pattern.replace(/\/\*$/, ''));
    if (!existsSync(dir)) return [];
    const candidates = pattern.endsWith('/*') ? readdirSync(dir).map((name) => path.join(dir, name)) : [dir];
    return candidates.filter((pkgDir) => existsSync(path.join(pkgDir, 'package.json')));
  });
}

function hasTests(pkgDir) {
  const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  return Boolean(manifest.scripts?.test);
}

const mode = process.argv[2];
const packages = workspacePackages().filter(hasTests);

if (mode === '--clean') {
  for (const pkgDir of packages) rmSync(path.join(pkgDir, REPORT), { force: true });
  process.exit(0);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const pkgDir of packages) {
  const name = path.relative(ROOT, pkgDir);
  const file = path.join(pkgDir, REPORT);
  if (!existsSync(file)) {
    // A package whose tests could not even start counts as one failure.
    process.stdout.write(`${name}: no test report (its tests did not run)\n`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  process.stdout.write(
    `${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped\n`,
  );
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
  skipped += report.numPendingTests + report.numTodoTests;
}
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
