import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const PACKAGE_DIR = join(__dirname, '..', '..');

// Below jest's 30 s test timeout, so a slow start fails with the child's stderr, not a bare timeout.
const START_TIMEOUT_MS = 25_000;

export interface RunningService {
  readonly port: number;
  readonly url: string;
  /** Every stdout line parsed as JSON (pino lines and the fixture's own). */
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly child: ChildProcess;
}

/**
 * Starts `script` (relative to the package) in a child Node process, from the
 * package folder so `@app/tracing` resolves to this package, and waits for its
 * `{"listening": port}` line.
 */
export function startService(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<RunningService> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    // A child that never listens is killed, so a slow start fails this test instead of keeping jest open.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before listening: ${stderr}`));
    };
    child.once('exit', early);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        lines.push(parsed);
        if (typeof parsed.listening === 'number') {
          clearTimeout(timer);
          child.removeListener('exit', early);
          const port = parsed.listening;
          resolve({
            port,
            url: `http://127.0.0.1:${port}`,
            lines,
            stderr: () => stderr,
            child,
            async stop(signal: NodeJS.Signals = 'SIGTERM') {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
  });
}
