import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpc } from '@stellar/stellar-sdk';

const PKG = join(__dirname, '..');
const CLI = join(PKG, 'dist', 'cli.js');
const SECRET_SEED = /\bS[A-Z2-7]{55}\b/;

/** Runs the CLI until it has printed `lines` lines; the caller stops it. */
function runCli(args: string[], lines: number): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.split('\n').length > lines) resolve({ child, output });
    });
    child.stderr!.on('data', (chunk: Buffer) => reject(new Error(chunk.toString())));
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('the built package, used the way a user does', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stellar-sandbox-pkg-'));
    mkdirSync(join(dir, 'node_modules', '@app'), { recursive: true });
    symlinkSync(PKG, join(dir, 'node_modules', '@app', 'stellar-sandbox'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports the public API by name, types first, and starts a sandbox that answers', () => {
    const script = `
      const s = require('@app/stellar-sandbox');
      const pkg = require('@app/stellar-sandbox/package.json');
      (async () => {
        const sb = await s.startSandbox({ ledgerIntervalMs: 0, fundedAccounts: 1 });
        const res = await fetch(sb.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }) });
        const health = (await res.json()).result.status;
        await sb.close();
        console.log(JSON.stringify({
          exports: Object.keys(s).sort(),
          typesFirst: Object.keys(pkg.exports).filter((k) => k !== './package.json').every((k) => Object.keys(pkg.exports[k])[0] === 'types'),
          bin: pkg.bin['stellar-sandbox'],
          health,
        }));
      })();`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }));
    expect(out).toEqual({
      exports: ['DEFAULT_NETWORK_PASSPHRASE', 'SandboxError', 'SandboxErrorCode', 'startSandbox'],
      typesFirst: true,
      bin: './dist/cli.js',
      health: 'healthy',
    });
  });

  it('CLI prints URL, passphrase, contract id and public keys, never a secret unless asked', async () => {
    const { child, output } = await runCli(['--port', '0', '--accounts', '2', '--ledger-interval-ms', '100'], 5);
    try {
      expect(output).toMatch(/^url: http:\/\/127\.0\.0\.1:\d+$/m);
      expect(output).toMatch(/^networkPassphrase: Standalone Network ; February 2017$/m);
      expect(output).toMatch(/^credentialContractId: C[A-Z2-7]{55}$/m);
      expect(output.match(/^account\[\d\]: G[A-Z2-7]{55}$/gm)).toHaveLength(2);
      expect(output).not.toMatch(SECRET_SEED);
      const url = /^url: (.+)$/m.exec(output)![1]!;
      const server = new rpc.Server(url, { allowHttp: true });
      expect((await server.getHealth()).status).toBe('healthy');
    } finally {
      await stop(child);
    }
  });

  it('CLI --json --show-secrets prints the funded secrets for local development', async () => {
    const { child, output } = await runCli(['--json', '--show-secrets', '--accounts', '1'], 1);
    try {
      const info = JSON.parse(output.split('\n')[0]!);
      expect(info.accounts).toHaveLength(1);
      expect(info.accounts[0].secret).toMatch(SECRET_SEED);
      expect(info.url).toMatch(/^http:/);
    } finally {
      await stop(child);
    }
  });

  it('CLI exits 1 with a clear message on a bad option', () => {
    expect(() => execFileSync(process.execPath, [CLI, '--port', 'abc'], { encoding: 'utf8', stdio: 'pipe' })).toThrow(
      /--port must be a number/,
    );
  });
});
