#!/usr/bin/env node
// Entry point of the README's two commands (`npm start`, `npm test`).
// It must run on the system Node (>= 20) with nothing installed, so it uses
// only node: built-ins. It provides a pinned Node and pnpm in `.tools/` when
// the system ones are too old, and never touches the system itself.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = path.join(ROOT, '.tools');
const rootManifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const NODE_VERSION = rootManifest.config.nodeVersion;
const PNPM_VERSION = rootManifest.packageManager.replace(/^pnpm@/, '');
const MIN_NODE = [22, 15];

function fail(reason) {
  process.stderr.write(`\n✖ ${reason}\n`);
  process.exit(1);
}

// Progress goes to stderr: stdout of `npm start` belongs to the service's JSON log lines.
function step(message) {
  process.stderr.write(`▸ ${message}\n`);
}

function isNodeRecentEnough(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT, ...options });
  if (result.error) fail(`${command} could not run: ${result.error.message}`);
  return result.status ?? 1;
}

/** Returns the bin folder of a Node that satisfies `engines`, fetching one if needed. */
function ensureNode() {
  if (isNodeRecentEnough(process.version)) return path.dirname(process.execPath);
  const dir = path.join(TOOLS, `node-v${NODE_VERSION}`);
  const bin = path.join(dir, 'bin');
  if (existsSync(path.join(bin, 'node'))) return bin;
  const pkg = `node-${process.platform}-${process.arch}@${NODE_VERSION}`;
  step(`system Node ${process.version} is older than ${MIN_NODE.join('.')}; fetching ${pkg} into .tools/`);
  mkdirSync(TOOLS, { recursive: true });
  const pack = spawnSync('npm', ['pack', pkg, '--silent', '--pack-destination', TOOLS], {
    cwd: TOOLS,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarball = pack.stdout?.trim().split('\n').pop();
  if (pack.status !== 0 || !tarball) fail(`could not fetch ${pkg} from the npm registry`);
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  if (run('tar', ['xzf', path.join(TOOLS, tarball), '-C', staging, '--strip-components=1']) !== 0) {
    fail(`could not unpack ${tarball}`);
  }
  rmSync(path.join(TOOLS, tarball), { force: true });
  renameSync(staging, dir);
  return bin;
}

/** Returns the path of the pinned pnpm, installing it into .tools/ if needed. */
function ensurePnpm(env) {
  const prefix = path.join(TOOLS, `pnpm-${PNPM_VERSION}`);
  const bin = path.join(prefix, 'node_modules', '.bin', 'pnpm');
  if (existsSync(bin)) return bin;
  step(`installing pnpm ${PNPM_VERSION} into .tools/`);
  const status = run(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${PNPM_VERSION}`],
    { env },
  );
  if (status !== 0 || !existsSync(bin)) fail(`could not install pnpm ${PNPM_VERSION} from the npm registry`);
  return bin;
}

function canConnect(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function requireTestServices() {
  const pg = { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432) };
  const redis = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
  if (!(await canConnect(pg.host, pg.port))) fail(`PostgreSQL is not reachable at ${pg.host}:${pg.port}`);
  if (!(await canConnect(redis.host, redis.port))) fail(`Redis is not reachable at ${redis.host}:${redis.port}`);
}

/** The Debian packages whose binaries the ops tests run (real Prometheus and Alertmanager). */
const DEBIAN_TOOLS = [
  { pkg: 'prometheus', bins: [['prometheus'], ['promtool']] },
  { pkg: 'prometheus-alertmanager', bins: [['prometheus-alertmanager', 'alertmanager'], ['amtool']] },
];

function hasBinary(names) {
  return names.some((name) =>
    ['', '/usr/bin/', '/usr/local/bin/'].some(
      (dir) => !spawnSync(`${dir}${name}`, ['--version'], { stdio: 'ignore' }).error,
    ),
  );
}

/**
 * Installs the missing Debian tools when running as root on Debian (announcing each), else stops in one line
 * naming what is missing and where to get it.
 */
function requireDebianTools() {
  const missing = DEBIAN_TOOLS.filter(({ bins }) => bins.some((names) => !hasBinary(names)));
  if (missing.length === 0) return;
  const names = missing.map(({ pkg }) => pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = existsSync('/etc/debian_version') && hasBinary(['apt-get']);
  if (!isRoot || !isDebian) {
    fail(
      `missing ${missing.map(({ pkg, bins }) => `${bins.map((b) => b[0]).join('/')} (Debian package ${pkg})`).join(', ')}: ` +
        `run \`sudo apt-get install ${names.join(' ')}\` (or get them from https://prometheus.io/download/ and put them on PATH)`,
    );
  }
  let updated = false;
  for (const { pkg } of missing) {
    step(`installing ${pkg} (Debian package; the ops tests run it)`);
    if (!updated) {
      if (run('apt-get', ['update', '-qq']) !== 0) fail('apt-get update failed (see above)');
      updated = true;
    }
    const status = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (status !== 0) fail(`apt-get install ${pkg} failed (see above)`);
  }
}

function install(pnpm, env, options = {}) {
  step('installing dependencies (pnpm install --frozen-lockfile)');
  const status = run(pnpm, ['install', '--frozen-lockfile', '--reporter=append-only'], { env, ...options });
  if (status !== 0) fail('pnpm install failed (see above)');
}

function forward(pnpm, args, env) {
  const child = spawn(pnpm, args, { stdio: 'inherit', cwd: ROOT, env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function main() {
  const command = process.argv[2];
  const nodeBin = ensureNode();
  const env = {
    ...process.env,
    PATH: `${nodeBin}${path.delimiter}${process.env.PATH}`,
    TURBO_TELEMETRY_DISABLED: '1',
  };
  const pnpm = ensurePnpm(env);
  // turbo and package scripts look pnpm up on PATH.
  env.PATH = `${path.dirname(pnpm)}${path.delimiter}${env.PATH}`;
  switch (command) {
    case 'start': {
      // Install and build talk on stderr: stdout carries only the service's JSON lines (apps/api/LOGS.md).
      const quiet = { env, stdio: ['ignore', 2, 2] };
      install(pnpm, env, quiet);
      step('building the service and its packages');
      if (
        run(pnpm, ['exec', 'turbo', 'run', 'build', '--filter=@app/api...', '--output-logs=errors-only'], quiet) !== 0
      ) {
        fail('the build failed (see above)');
      }
      forward(pnpm, ['--silent', '--filter', '@app/api', 'run', 'start'], env);
      break;
    }
    case 'test': {
      await requireTestServices();
      requireDebianTools();
      install(pnpm, env);
      const summarize = (mode) =>
        run(path.join(nodeBin, 'node'), [path.join(ROOT, 'scripts', 'test-summary.mjs'), mode], { env });
      summarize('--clean');
      step('running lint, typecheck and tests of every package (turbo)');
      const status = run(pnpm, ['exec', 'turbo', 'run', 'lint', 'typecheck', 'test', '--continue'], { env });
      const summary = summarize('--report');
      process.exit(status || summary);
      break;
    }
    case 'pnpm':
      forward(pnpm, process.argv.slice(3), env);
      break;
    case 'audit': {
      // `npm run audit -- migrate|seal|verify [options]`: @app/audit's CLI (DATABASE_URL, AUDIT_CHAIN_KEY).
      // Install and build talk on stderr so stdout carries only the CLI's answer.
      const quiet = { env, stdio: ['ignore', 2, 2] };
      if (!existsSync(path.join(ROOT, 'node_modules', '.modules.yaml'))) {
        if (run(pnpm, ['install', '--frozen-lockfile', '--reporter=append-only'], quiet) !== 0)
          fail('pnpm install failed');
      }
      if (
        run(pnpm, ['exec', 'turbo', 'run', 'build', '--filter=@app/audit', '--output-logs=errors-only'], quiet) !== 0
      ) {
        fail('the build of @app/audit failed (see above)');
      }
      const cli = path.join(ROOT, 'packages', 'audit', 'dist', 'cli.js');
      const child = spawn(path.join(nodeBin, 'node'), [cli, ...process.argv.slice(3)], { stdio: 'inherit', env });
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
      break;
    }
    default:
      fail(`unknown command "${command ?? ''}": use start, test, pnpm or audit`);
  }
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
