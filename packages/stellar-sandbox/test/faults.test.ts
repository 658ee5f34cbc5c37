import { rpc } from '@stellar/stellar-sdk';
import { SandboxError } from '../src';
import { closeAndGet, type Harness, harness, hashHex, opResultType, payment, resultType } from './helpers';

describe('fault injection, observed through the real SDK', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ fundedAccounts: 2, startingBalance: '100' });
  });
  afterEach(() => h.sandbox.close());

  it('latency holds the answer for delayMs, then answers normally', async () => {
    h.sandbox.faults.inject({ kind: 'latency', rpcMethod: 'getHealth', delayMs: 800 });
    const started = performance.now();
    expect((await h.server.getHealth()).status).toBe('healthy');
    expect(performance.now() - started).toBeGreaterThanOrEqual(790);
    const again = performance.now();
    await h.server.getHealth();
    expect(performance.now() - again).toBeLessThan(600);
  });

  it('latency on sendTransaction: a client that gives up still had its transaction accepted', async () => {
    const tx = await payment(h, h.keypair(0), h.keypair(1).publicKey());
    h.sandbox.faults.inject({ kind: 'latency', rpcMethod: 'sendTransaction', delayMs: 400 });
    const aborting = new rpc.Server(h.sandbox.url, { allowHttp: true });
    aborting.httpClient.defaults.timeout = 100;
    await expect(aborting.sendTransaction(tx)).rejects.toThrow();
    // The held request is handled ~400 ms after it arrived; close ledgers until it lands (bounded).
    let status = 'NOT_FOUND';
    for (let i = 0; i < 30 && status === 'NOT_FOUND'; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await closeAndGet(h, hashHex(tx))).status;
    }
    expect(status).toBe('SUCCESS');
  });

  it('try_again_later is answered without queueing; resending the identical envelope then succeeds once', async () => {
    const tx = await payment(h, h.keypair(0), h.keypair(1).publicKey());
    h.sandbox.faults.inject({ kind: 'try_again_later', times: 2 });
    expect((await h.server.sendTransaction(tx)).status).toBe('TRY_AGAIN_LATER');
    expect((await h.server.sendTransaction(tx)).status).toBe('TRY_AGAIN_LATER');
    await h.sandbox.closeLedger();
    expect((await h.server.getTransaction(hashHex(tx))).status).toBe('NOT_FOUND');
    expect((await h.server.sendTransaction(tx)).status).toBe('PENDING');
    expect((await closeAndGet(h, hashHex(tx))).status).toBe('SUCCESS');
    expect(h.sandbox.sentCount(hashHex(tx))).toBe(3);
    expect(h.sandbox.balance(h.keypair(1).publicKey())).toBe('110.0000000');
  });

  it('error answers ERROR with the chosen result code as real XDR, and nothing is queued', async () => {
    const tx = await payment(h, h.keypair(0), h.keypair(1).publicKey());
    h.sandbox.faults.inject({ kind: 'error', resultCode: 'txINSUFFICIENT_FEE' });
    const sent = await h.server.sendTransaction(tx);
    expect(sent.status).toBe('ERROR');
    expect(resultType(sent.errorResult)).toBe('txInsufficientFee');
    expect((await closeAndGet(h, sent.hash)).status).toBe('NOT_FOUND');

    h.sandbox.faults.inject({ kind: 'error' });
    expect(resultType((await h.server.sendTransaction(tx)).errorResult)).toBe('txInternalError');
  });

  it('tx_failed includes the transaction as FAILED with the chosen op code, charging the fee and the sequence', async () => {
    const a = h.keypair(0);
    const before = BigInt((await h.server.getAccount(a.publicKey())).sequenceNumber());
    const tx = await payment(h, a, h.keypair(1).publicKey());
    h.sandbox.faults.inject({ kind: 'tx_failed' });
    expect((await h.server.sendTransaction(tx)).status).toBe('PENDING');
    const got = await closeAndGet(h, hashHex(tx));
    expect(got.status).toBe('FAILED');
    if (got.status !== rpc.Api.GetTransactionStatus.FAILED) return;
    expect(got.resultXdr.result.type).toBe('txFailed');
    expect(opResultType(got.resultXdr)).toBe('paymentUnderfunded');
    expect(BigInt((await h.server.getAccount(a.publicKey())).sequenceNumber())).toBe(before + 1n);
    expect(h.sandbox.balance(a.publicKey())).toBe('99.9999900');
    expect(h.sandbox.balance(h.keypair(1).publicKey())).toBe('100.0000000');

    h.sandbox.faults.inject({ kind: 'tx_failed', resultCode: 'opNO_DESTINATION' });
    const next = await payment(h, a, h.keypair(1).publicKey());
    await h.server.sendTransaction(next);
    const failed = await closeAndGet(h, hashHex(next));
    if (failed.status === rpc.Api.GetTransactionStatus.FAILED) {
      expect(opResultType(failed.resultXdr)).toBe('paymentNoDestination');
    } else throw new Error(`expected FAILED, got ${failed.status}`);
  });

  it('never_confirm accepts PENDING but the transaction never lands, even when resent', async () => {
    const a = h.keypair(0);
    const tx = await payment(h, a, h.keypair(1).publicKey());
    h.sandbox.faults.inject({ kind: 'never_confirm' });
    expect((await h.server.sendTransaction(tx)).status).toBe('PENDING');
    for (let i = 0; i < 3; i += 1) expect((await closeAndGet(h, hashHex(tx))).status).toBe('NOT_FOUND');
    expect((await h.server.sendTransaction(tx)).status).toBe('PENDING');
    expect((await closeAndGet(h, hashHex(tx))).status).toBe('NOT_FOUND');
    expect(h.sandbox.appliedTransactions()).toHaveLength(0);
    expect(h.sandbox.balance(a.publicKey())).toBe('100.0000000');
    // The sequence number is still free: a new envelope lands.
    const replacement = await payment(h, a, h.keypair(1).publicKey(), { amount: '11' });
    expect((await closeAndGet(h, (await h.server.sendTransaction(replacement)).hash)).status).toBe('SUCCESS');
  });

  it('http_5xx answers 503 for the chosen method only, then recovers', async () => {
    h.sandbox.faults.inject({ kind: 'http_5xx', rpcMethod: 'getLatestLedger', times: 2 });
    expect((await h.server.getHealth()).status).toBe('healthy');
    for (let i = 0; i < 2; i += 1) {
      await expect(h.server.getLatestLedger()).rejects.toMatchObject({ response: { status: 503 } });
    }
    expect((await h.server.getLatestLedger()).sequence).toBe(h.sandbox.latestLedger());
  });

  it('http_5xx on sendTransaction: the request never reached the node, so nothing is queued', async () => {
    const tx = await payment(h, h.keypair(0), h.keypair(1).publicKey());
    h.sandbox.faults.inject({ kind: 'http_5xx', rpcMethod: 'sendTransaction' });
    await expect(h.server.sendTransaction(tx)).rejects.toMatchObject({ response: { status: 503 } });
    expect((await closeAndGet(h, hashHex(tx))).status).toBe('NOT_FOUND');
    expect(h.sandbox.sentCount(hashHex(tx))).toBe(1);
  });

  it('drop_connection loses the answer after handling: the client errors, the transaction still lands', async () => {
    const tx = await payment(h, h.keypair(0), h.keypair(1).publicKey());
    h.sandbox.faults.inject({ kind: 'drop_connection', rpcMethod: 'sendTransaction' });
    await expect(h.server.sendTransaction(tx)).rejects.toThrow();
    expect((await h.server.sendTransaction(tx)).status).toBe('DUPLICATE');
    expect((await closeAndGet(h, hashHex(tx))).status).toBe('SUCCESS');
    expect(h.sandbox.sentCount(hashHex(tx))).toBe(2);
  });

  it('drop_connection on getTransaction, with times and Infinity until clear()', async () => {
    h.sandbox.faults.inject({ kind: 'drop_connection', rpcMethod: 'getTransaction', times: Number.POSITIVE_INFINITY });
    const hash = 'a'.repeat(64);
    await expect(h.server.getTransaction(hash)).rejects.toThrow();
    await expect(h.server.getTransaction(hash)).rejects.toThrow();
    h.sandbox.faults.clear();
    expect((await h.server.getTransaction(hash)).status).toBe('NOT_FOUND');
  });

  it('consumes faults in injection order, one per matching call', async () => {
    const tx = await payment(h, h.keypair(0), h.keypair(1).publicKey());
    h.sandbox.faults.inject({ kind: 'try_again_later' });
    h.sandbox.faults.inject({ kind: 'error', resultCode: 'txBAD_SEQ' });
    expect((await h.server.sendTransaction(tx)).status).toBe('TRY_AGAIN_LATER');
    expect(resultType((await h.server.sendTransaction(tx)).errorResult)).toBe('txBadSeq');
    expect((await h.server.sendTransaction(tx)).status).toBe('PENDING');
  });

  it('refuses malformed faults with SANDBOX_ERR_INVALID_FAULT', () => {
    const bad = [
      { kind: 'explode' },
      { kind: 'error', resultCode: 'txNOPE' },
      { kind: 'tx_failed', resultCode: 'txBAD_SEQ' },
      { kind: 'try_again_later', rpcMethod: 'getHealth' },
      { kind: 'latency', times: 0 },
      { kind: 'latency', resultCode: 'txBAD_SEQ' },
    ];
    for (const fault of bad) {
      expect(() => h.sandbox.faults.inject(fault as never)).toThrow(SandboxError);
      try {
        h.sandbox.faults.inject(fault as never);
      } catch (err) {
        expect((err as SandboxError).code).toBe('SANDBOX_ERR_INVALID_FAULT');
      }
    }
  });
});
