import { spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import { createTestEnv, type TestEnv } from './helper';

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs dist/server.js until it exits (or listens: then it is stopped); its exit code and output. */
function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'server.js')], {
    cwd: path.join(__dirname, '..'),
    env: { PATH: process.env.PATH, PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
    if (output.includes('Journey')) child.kill('SIGTERM');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('start-up failures name the dependency, never a secret', () => {
  let env: TestEnv;
  let stellar: Record<string, string>;
  let databaseUrl: string;
  beforeAll(async () => {
    env = await createTestEnv('startup');
    stellar = {
      STELLAR_RPC_URL: env.sandbox.url,
      STELLAR_NETWORK_PASSPHRASE: env.sandbox.networkPassphrase,
      STELLAR_DISTRIBUTOR_SECRET: env.sandbox.accounts[0]!.secret,
      STELLAR_ISSUER_SECRET: env.sandbox.accounts[1]!.secret,
      STELLAR_CREDENTIAL_CONTRACT_ID: env.sandbox.credentialContractId,
      JWT_SECRET: env.jwtSecret,
    };
    databaseUrl = `postgresql://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${
      process.env.PGPORT ?? 5432
    }/${process.env.PGDATABASE ?? 'test'}?options=${encodeURIComponent(`-c search_path=${env.schema.name}`)}`;
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('PostgreSQL down at start: exit 1 naming PostgreSQL and its address, without the password', async () => {
    const port = await freePort(); // nothing listens there
    const { code, output } = await start({
      ...stellar,
      DATABASE_URL: `postgresql://learner:s3cret-pw@127.0.0.1:${port}/appdb`,
    });
    expect(code).toBe(1);
    expect(output).toContain(
      `✖ failed to start: PostgreSQL at postgresql://127.0.0.1:${port}/appdb unreachable (ECONNREFUSED)`,
    );
    expect(output).not.toContain('s3cret-pw');
  }, 60_000);

  it('a channel account that does not exist on the ledger: exit 1 naming its public key, never its seed', async () => {
    const missing = Keypair.random();
    const { code, output } = await start({
      ...stellar,
      DATABASE_URL: databaseUrl,
      STELLAR_CHANNEL_SECRETS: missing.secret(),
    });
    expect(code).toBe(1);
    expect(output).toContain(
      `the channel account 1 of STELLAR_CHANNEL_SECRETS ${missing.publicKey()} does not exist on the ledger of ${env.sandbox.url}`,
    );
    expect(output).not.toContain(missing.secret());
  }, 60_000);

  it('existing source accounts: starts', async () => {
    const { output } = await start({ ...stellar, DATABASE_URL: databaseUrl });
    expect(output).toContain('Journey');
    expect(output).not.toContain('failed to start');
  }, 60_000);
});
