import { Keypair, rpc } from '@stellar/stellar-sdk';
import { DEFAULT_NETWORK_PASSPHRASE, SandboxError, startSandbox } from '../src';
import { hashHex, payment } from './helpers';

describe('startSandbox', () => {
  it('closes ledgers on its own every ledgerIntervalMs, so pollTransaction sees the payment land', async () => {
    const sandbox = await startSandbox({ ledgerIntervalMs: 50, fundedAccounts: 2 });
    try {
      const server = new rpc.Server(sandbox.url, { allowHttp: true });
      const first = sandbox.latestLedger();
      await new Promise((r) => setTimeout(r, 300));
      expect(sandbox.latestLedger()).toBeGreaterThan(first + 2);
      const h = { sandbox, server, keypair: (i: number) => Keypair.fromSecret(sandbox.accounts[i]!.secret) };
      const tx = await payment(h, h.keypair(0), sandbox.accounts[1]!.publicKey);
      await server.sendTransaction(tx);
      const got = await server.pollTransaction(hashHex(tx), { attempts: 20, sleepStrategy: () => 50 });
      expect(got.status).toBe('SUCCESS');
    } finally {
      await sandbox.close();
    }
  });

  it('reports its settings, funds fresh random accounts, and listens on a random port by default', async () => {
    const [a, b] = await Promise.all([startSandbox({ ledgerIntervalMs: 0 }), startSandbox({ ledgerIntervalMs: 0 })]);
    try {
      expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(a.url).not.toBe(b.url);
      expect(a.networkPassphrase).toBe(DEFAULT_NETWORK_PASSPHRASE);
      expect(a.accounts).toHaveLength(3);
      expect(a.accounts[0]!.publicKey).not.toBe(b.accounts[0]!.publicKey);
      expect(a.balance(a.accounts[0]!.publicKey)).toBe('10000.0000000');
      expect(a.credentialContractId).toMatch(/^C[A-Z2-7]{55}$/);
      expect(() => a.balance(b.accounts[0]!.publicKey)).toThrow(
        expect.objectContaining({ code: 'SANDBOX_ERR_UNKNOWN_ACCOUNT' }),
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('uses a custom passphrase for hashing, getNetwork and the contract id', async () => {
    const sandbox = await startSandbox({ ledgerIntervalMs: 0, networkPassphrase: 'Sandbox ; 2026', fundedAccounts: 1 });
    try {
      const server = new rpc.Server(sandbox.url, { allowHttp: true });
      expect((await server.getNetwork()).passphrase).toBe('Sandbox ; 2026');
    } finally {
      await sandbox.close();
    }
  });

  it.each([
    [{ port: -1 }],
    [{ port: 1.5 }],
    [{ ledgerIntervalMs: -5 }],
    [{ fundedAccounts: -1 }],
    [{ startingBalance: 'lots' }],
    [{ startingBalance: '0.5' }],
    [{ networkPassphrase: '' }],
  ])('refuses %p with SANDBOX_ERR_INVALID_OPTION', async (options) => {
    await expect(startSandbox(options)).rejects.toThrow(SandboxError);
    await expect(startSandbox(options)).rejects.toMatchObject({ code: 'SANDBOX_ERR_INVALID_OPTION' });
  });

  it('close() does not wait for a request held by a latency fault', async () => {
    const sandbox = await startSandbox({ ledgerIntervalMs: 0 });
    sandbox.faults.inject({ kind: 'latency', delayMs: 60_000 });
    const server = new rpc.Server(sandbox.url, { allowHttp: true });
    const held = server.getHealth();
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await sandbox.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(held).rejects.toThrow();
  });

  it('close() is idempotent and stops answering', async () => {
    const sandbox = await startSandbox({ ledgerIntervalMs: 10 });
    await sandbox.close();
    await sandbox.close();
    await expect(fetch(sandbox.url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
