import { Contract, Keypair, nativeToScVal, scValToNative, TransactionBuilder } from '@stellar/stellar-sdk';
import { ERROR_CODES, SPAN_RPC_PREFIX } from '../src';
import { classifyRpcError, isRequestRefused, toError } from '../src/rpc-errors';
import { type Harness, sample, spansNamed, startHarness } from './helpers';

describe('instrumented simulate / prepare / reads', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  async function mintTx(fn = 'mint') {
    const issuer = h.sandbox.accounts[0]!;
    const learner = h.sandbox.accounts[1]!.publicKey;
    const account = await h.client.getAccount(issuer.publicKey);
    const args =
      fn === 'mint'
        ? [nativeToScVal(learner, { type: 'address' }), nativeToScVal('stellar-101', { type: 'string' })]
        : [];
    const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: h.sandbox.networkPassphrase })
      .addOperation(new Contract(h.sandbox.credentialContractId).call(fn, ...args))
      .setTimeout(30)
      .build();
    return { tx, issuer: Keypair.fromSecret(issuer.secret), learner };
  }

  it('prepares, submits and confirms a credential mint, returning the contract value', async () => {
    const { tx, issuer, learner } = await mintTx();
    const simulated = await h.client.simulateTransaction(tx);
    expect('error' in simulated).toBe(false);
    const prepared = await h.client.prepareTransaction(tx);
    prepared.sign(issuer);

    const outcome = await h.client.submitAndWait(prepared, { method: 'credential_mint' });

    expect(outcome).toMatchObject({ status: 'success', resultCode: 'txSUCCESS' });
    expect(BigInt(outcome.feeCharged!)).toBeGreaterThan(100n);
    expect(scValToNative(outcome.returnValue!)).toBe(1n);
    expect(h.sandbox.mintedCredentials()).toEqual([{ to: learner, courseId: 'stellar-101', hash: outcome.hash }]);
    for (const rpcMethod of ['getAccount', 'simulateTransaction', 'prepareTransaction']) {
      expect(await sample(h.registry, 'stellar_rpc_requests_total', { rpc_method: rpcMethod, outcome: 'ok' })).toBe(1);
      expect(spansNamed(h.exporter, SPAN_RPC_PREFIX + rpcMethod)).toHaveLength(1);
    }
    expect(
      await sample(h.registry, 'stellar_transactions_total', { method: 'credential_mint', status: 'success' }),
    ).toBe(1);
  });

  it('labels a simulation error simulation_error and still returns the SDK response', async () => {
    const { tx } = await mintTx('burn');
    const simulated = await h.client.simulateTransaction(tx);
    expect('error' in simulated).toBe(true);
    expect(
      await sample(h.registry, 'stellar_rpc_requests_total', {
        rpc_method: 'simulateTransaction',
        outcome: 'simulation_error',
      }),
    ).toBe(1);
    await expect(h.client.prepareTransaction(tx)).rejects.toThrow();
    expect(
      await sample(h.registry, 'stellar_rpc_requests_total', {
        rpc_method: 'prepareTransaction',
        outcome: 'simulation_error',
      }),
    ).toBe(1);
  });

  it('enforces the per-request timeout the SDK does not, with a stable error code', async () => {
    h.sandbox.faults.inject({ kind: 'latency', rpcMethod: 'getLatestLedger', delayMs: 2_000 });
    const client = h.clientWith({ requestTimeoutMs: 100 });
    const started = Date.now();
    await expect(client.getLatestLedger()).rejects.toMatchObject({ code: ERROR_CODES.RPC_TIMEOUT });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(
      await sample(h.registry, 'stellar_rpc_requests_total', { rpc_method: 'getLatestLedger', outcome: 'timeout' }),
    ).toBe(1);
    const [span] = spansNamed(h.exporter, `${SPAN_RPC_PREFIX}getLatestLedger`);
    expect(span!.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('rethrows what the SDK threw and labels HTTP errors, SDK errors and connection failures apart', async () => {
    h.sandbox.faults.inject({ kind: 'http_5xx', rpcMethod: 'getLatestLedger' });
    await expect(h.client.getLatestLedger()).rejects.toHaveProperty('response.status', expect.any(Number));
    await expect(h.client.getAccount(Keypair.random().publicKey())).rejects.toThrow(/not found/i);
    h.sandbox.faults.inject({ kind: 'drop_connection', rpcMethod: 'getLatestLedger' });
    await expect(h.client.getLatestLedger()).rejects.toThrow();
    const count = (rpc_method: string, outcome: string) =>
      sample(h.registry, 'stellar_rpc_requests_total', { rpc_method, outcome });
    expect(await count('getLatestLedger', 'http_error')).toBe(1);
    expect(await count('getAccount', 'not_found')).toBe(1);
    expect(await count('getAccount', 'sdk_error')).toBe(0);
    expect(await count('getLatestLedger', 'network_error')).toBe(1);
    expect((await h.client.getLatestLedger()).sequence).toBeGreaterThanOrEqual(1);
  });

  it('counts a missing account as not_found and a failed account look-up as the failure it is', async () => {
    const missing = Keypair.random().publicKey();
    await expect(h.client.getAccount(missing)).rejects.toMatchObject({
      code: ERROR_CODES.ACCOUNT_NOT_FOUND,
      message: `Account not found: ${missing}`,
    });
    await expect(h.client.getAccountEntry(missing)).rejects.toMatchObject({ code: ERROR_CODES.ACCOUNT_NOT_FOUND });
    // The SDK's own getAccount reports this refused connection as "Account not found"; the client does not.
    h.sandbox.faults.inject({ kind: 'drop_connection', rpcMethod: 'getLedgerEntries' });
    const failure = await h.client.getAccount(h.sandbox.accounts[0]!.publicKey).catch((e: unknown) => e);
    expect(failure).not.toMatchObject({ code: ERROR_CODES.ACCOUNT_NOT_FOUND });
    const entry = await h.client.getAccountEntry(h.sandbox.accounts[0]!.publicKey);
    expect(entry.balance).toBeGreaterThan(0n);
    const count = (rpc_method: string, outcome: string) =>
      sample(h.registry, 'stellar_rpc_requests_total', { rpc_method, outcome });
    expect(await count('getAccount', 'not_found')).toBe(1);
    expect(await count('getAccountEntry', 'not_found')).toBe(1);
    expect(await count('getAccount', 'network_error')).toBe(1);
    expect(await count('getAccountEntry', 'ok')).toBe(1);
    const [missingSpan, foundSpan] = spansNamed(h.exporter, `${SPAN_RPC_PREFIX}getAccountEntry`);
    expect(missingSpan!.attributes['stellar.rpc.outcome']).toBe('not_found');
    expect(missingSpan!.status.code).toBe(0); // UNSET: an expected answer is not an error
    expect(foundSpan!.attributes['stellar.rpc.outcome']).toBe('ok');
  });

  it('reads several accounts with one getLedgerEntries call; missing ones are absent, not errors', async () => {
    const [a, b] = [h.sandbox.accounts[0]!.publicKey, h.sandbox.accounts[1]!.publicKey];
    const missing = Keypair.random().publicKey();
    const entries = await h.client.getAccountEntries([a, missing, b, a]);
    expect([...entries.keys()].sort()).toEqual([a, b].sort());
    expect(entries.get(a)!.balance).toBeGreaterThan(0n);
    expect(await h.client.getAccountEntries([])).toEqual(new Map());
    expect(
      await sample(h.registry, 'stellar_rpc_requests_total', { rpc_method: 'getAccountEntries', outcome: 'ok' }),
    ).toBe(2);
    await expect(h.client.getAccountEntries(['GNOPE'])).rejects.toMatchObject({ code: ERROR_CODES.INVALID_OPTION });
    const many = Array.from({ length: 201 }, () => Keypair.random().publicKey());
    await expect(h.client.getAccountEntries(many)).rejects.toMatchObject({ code: ERROR_CODES.INVALID_OPTION });
    // A failed request is the failure it is, never "not found".
    h.sandbox.faults.inject({ kind: 'drop_connection', rpcMethod: 'getLedgerEntries' });
    const failure = await h.client.getAccountEntries([a]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toMatchObject({ code: ERROR_CODES.INVALID_OPTION });
  });

  it('labels a JSON-RPC error object (as the SDK throws it) rpc_error', async () => {
    // The sandbox does not serve getTransactions, so the SDK throws the bare JSON-RPC error object.
    const thrown = await h.server.getTransactions({ startLedger: 1 }).catch((e: unknown) => e);
    expect(thrown).not.toBeInstanceOf(Error);
    expect(classifyRpcError(thrown)).toBe('rpc_error');
    expect(toError(thrown).message).toMatch(/^JSON-RPC error -32601/);
    // Method-not-found never reached core; an internal error while submitting might have.
    expect(isRequestRefused(thrown)).toBe(true);
    expect(isRequestRefused({ code: -32603, message: 'could not submit transaction' })).toBe(false);
  });
});
