import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The repository's ops/ folder (the shipped configuration). */
export const OPS = path.resolve(__dirname, '..');
export const ROOT = path.resolve(OPS, '..');

/** The Debian package that provides each binary the tests run. */
export const BINARIES = {
  prometheus: 'prometheus',
  promtool: 'prometheus',
  alertmanager: 'prometheus-alertmanager',
  amtool: 'prometheus-alertmanager',
} as const;

const CANDIDATES: Record<keyof typeof BINARIES, string[]> = {
  prometheus: ['prometheus'],
  promtool: ['promtool'],
  // Debian installs Alertmanager as prometheus-alertmanager.
  alertmanager: ['prometheus-alertmanager', 'alertmanager'],
  amtool: ['amtool'],
};

/** The path of a binary, or throws one line naming the Debian package that provides it. */
export function binary(name: keyof typeof BINARIES): string {
  for (const candidate of CANDIDATES[name]) {
    for (const dir of ['', '/usr/bin/', '/usr/local/bin/']) {
      const found = spawnSync(`${dir}${candidate}`, ['--version'], { stdio: 'ignore' });
      if (!found.error) return `${dir}${candidate}`;
    }
  }
  throw new Error(
    `${name} not found: install the Debian package ${BINARIES[name]} (apt-get install ${BINARIES[name]})`,
  );
}

/** Runs a tool to completion; resolves with its exit code and output. */
export function run(command: string, args: string[], cwd = OPS): { status: number; output: string; stdout: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return {
    status: result.status ?? 1,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`,
    stdout: result.stdout ?? '',
  };
}

/** A free TCP port on 127.0.0.1 (for tools that cannot listen on port 0 and tell us). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A directory of the test's own, removed by the returned function. */
export function tempDir(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `ops-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `accept` takes its value; throws with the last value after `ms`. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  ms = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${ms} ms; last value ${JSON.stringify(last)?.slice(0, 2000)} ${lastError ? String(lastError) : ''}`,
      );
    }
    await sleep(everyMs);
  }
}

/** A child process whose output is kept for failure messages; `stop` sends SIGTERM and waits. */
export interface Child {
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startChild(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Child {
  const child = spawn(command, args, {
    cwd: options.cwd ?? OPS,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** GET a JSON document; throws on a non-2xx answer. */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
