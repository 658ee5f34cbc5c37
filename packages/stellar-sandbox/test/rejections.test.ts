import { Account, Asset, Keypair, Networks, Operation, type rpc, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { closeAndGet, type Harness, harness, hashHex, payment, resultType } from './helpers';

/** Sends and expects the ERROR answer stellar-core gives, with a parsable errorResult. */
async function expectError(h: Harness, tx: Parameters<rpc.Server['sendTransaction']>[0], code: string) {
  const sent = await h.server.sendTransaction(tx);
  expect(sent.status).toBe('ERROR');
  expect(resultType(sent.errorResult)).toBe(code);
  expect(sent.hash).toBe(hashHex(tx as never));
  // The raw XDR round-trips through the SDK's own decoder.
  expect(xdr.TransactionResult.fromXdr(sent.errorResult!.toXdr('base64'), 'base64').result.type).toBe(code);
  return sent;
}

describe('submissions the real network rejects', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ fundedAccounts: 2, startingBalance: '100' });
  });
  afterEach(() => h.sandbox.close());

  it('rejects a signature by another key with txBAD_AUTH and leaves the account untouched', async () => {
    const a = h.keypair(0);
    const tx = await payment(h, a, h.keypair(1).publicKey(), { signers: [Keypair.random()] });
    await expectError(h, tx, 'txBadAuth');
    await h.sandbox.closeLedger();
    expect(h.sandbox.balance(a.publicKey())).toBe('100.0000000');
    expect(h.sandbox.appliedTransactions()).toHaveLength(0);
  });

  it('rejects a tampered signature (right hint, wrong bytes) with txBAD_AUTH', async () => {
    const a = h.keypair(0);
    const tx = await payment(h, a, h.keypair(1).publicKey());
    const envelope = tx.toEnvelope();
    if (envelope.type !== 'envelopeTypeTx') throw new Error('expected a v1 envelope');
    const sig = envelope.v1.signatures[0]!;
    const bytes = Uint8Array.from(sig.signature.value);
    bytes[0] = (bytes[0]! + 1) % 256;
    const tampered = xdr.TransactionEnvelope.envelopeTypeTx(
      new xdr.TransactionV1Envelope({
        tx: envelope.v1.tx,
        signatures: [new xdr.DecoratedSignature({ hint: sig.hint.value, signature: bytes })],
      }),
    );
    const forged = TransactionBuilder.fromXDR(tampered.toXdr('base64'), h.sandbox.networkPassphrase);
    await expectError(h, forged, 'txBadAuth');
  });

  it('rejects an unsigned transaction with txBAD_AUTH and a spare signature with txBAD_AUTH_EXTRA', async () => {
    const a = h.keypair(0);
    await expectError(h, await payment(h, a, h.keypair(1).publicKey(), { signers: [] }), 'txBadAuth');
    await expectError(
      h,
      await payment(h, a, h.keypair(1).publicKey(), { signers: [a, Keypair.random()] }),
      'txBadAuthExtra',
    );
  });

  it('rejects a transaction signed for another network: its signature cannot verify here', async () => {
    const tx = await payment(h, h.keypair(0), h.keypair(1).publicKey(), { networkPassphrase: Networks.TESTNET });
    const sent = await h.server.sendTransaction(tx);
    expect(sent.status).toBe('ERROR');
    expect(resultType(sent.errorResult)).toBe('txBadAuth');
    // The sandbox hashes under its own passphrase, as a real node does.
    expect(sent.hash).not.toBe(hashHex(tx));
  });

  it('rejects a sequence number that is not current + 1 with txBAD_SEQ', async () => {
    const a = h.keypair(0);
    const current = BigInt((await h.server.getAccount(a.publicKey())).sequenceNumber());
    // Account's constructor takes the current sequence; build() uses current + 1.
    await expectError(
      h,
      await payment(h, a, h.keypair(1).publicKey(), { sequence: (current + 1n).toString() }),
      'txBadSeq',
    );
    await expectError(
      h,
      await payment(h, a, h.keypair(1).publicKey(), { sequence: (current - 1n).toString() }),
      'txBadSeq',
    );
  });

  it('rejects an expired time bound with txTOO_LATE and a future one with txTOO_EARLY', async () => {
    const now = Math.floor(Date.now() / 1000);
    const a = h.keypair(0);
    await expectError(
      h,
      await payment(h, a, h.keypair(1).publicKey(), { timebounds: { minTime: 0, maxTime: now - 10 } }),
      'txTooLate',
    );
    await expectError(
      h,
      await payment(h, a, h.keypair(1).publicKey(), { timebounds: { minTime: now + 600, maxTime: 0 } }),
      'txTooEarly',
    );
  });

  it('drops a queued transaction whose time bound passes before its ledger closes: it never appears', async () => {
    const now = Math.floor(Date.now() / 1000);
    const a = h.keypair(0);
    const maxTime = now + 2;
    const tx = await payment(h, a, h.keypair(1).publicKey(), { timebounds: { minTime: 0, maxTime } });
    const sent = await h.server.sendTransaction(tx);
    expect(sent.status).toBe('PENDING');
    while (Math.floor(Date.now() / 1000) <= maxTime) await new Promise((r) => setTimeout(r, 100));
    const got = await closeAndGet(h, sent.hash);
    expect(got.status).toBe('NOT_FOUND');
    expect(h.sandbox.balance(a.publicKey())).toBe('100.0000000');
    // The sequence was not consumed, so a new envelope with the same sequence is accepted.
    const again = await payment(h, a, h.keypair(1).publicKey());
    expect((await closeAndGet(h, (await h.server.sendTransaction(again)).hash)).status).toBe('SUCCESS');
  });

  it('rejects a fee below 100 stroops per operation with txINSUFFICIENT_FEE', async () => {
    await expectError(h, await payment(h, h.keypair(0), h.keypair(1).publicKey(), { fee: '99' }), 'txInsufficientFee');
  });

  it('rejects a source that cannot pay the fee above its reserve with txINSUFFICIENT_BALANCE', async () => {
    const poor = await harness({ fundedAccounts: 2, startingBalance: '1' });
    try {
      const tx = await payment(poor, poor.keypair(0), poor.keypair(1).publicKey(), { amount: '0.1' });
      const sent = await poor.server.sendTransaction(tx);
      expect(resultType(sent.errorResult)).toBe('txInsufficientBalance');
    } finally {
      await poor.sandbox.close();
    }
  });

  it('rejects a source account that does not exist with txNO_ACCOUNT', async () => {
    const ghost = Keypair.random();
    await expect(h.server.getAccount(ghost.publicKey())).rejects.toThrow(/Account not found/);
    const built = new TransactionBuilder(new Account(ghost.publicKey(), '1'), {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(Operation.payment({ destination: h.keypair(1).publicKey(), asset: Asset.native(), amount: '1' }))
      .setTimeout(30)
      .build();
    built.sign(ghost);
    await expectError(h, built, 'txNoAccount');
  });

  it('rejects an operation type it does not execute with txFAILED / opNOT_SUPPORTED', async () => {
    const a = h.keypair(0);
    const tx = new TransactionBuilder(await h.server.getAccount(a.publicKey()), {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(Operation.manageData({ name: 'k', value: 'v' }))
      .setTimeout(30)
      .build();
    tx.sign(a);
    const sent = await expectError(h, tx, 'txFailed');
    const r = sent.errorResult!.result;
    expect(r.type === 'txFailed' && r.results[0]!.type).toBe('opNotSupported');
  });

  it('requires each operation source to sign: opBAD_AUTH without it, applied from that account with it', async () => {
    const [a, b] = [h.keypair(0), h.keypair(1)];
    const build = async () => {
      const tx = new TransactionBuilder(await h.server.getAccount(a.publicKey()), {
        fee: '100',
        networkPassphrase: h.sandbox.networkPassphrase,
      })
        .addOperation(
          Operation.payment({ source: b.publicKey(), destination: a.publicKey(), asset: Asset.native(), amount: '3' }),
        )
        .setTimeout(30)
        .build();
      return tx;
    };
    const unsigned = await build();
    unsigned.sign(a);
    const sent = await expectError(h, unsigned, 'txFailed');
    const r = sent.errorResult!.result;
    expect(r.type === 'txFailed' && r.results[0]!.type).toBe('opBadAuth');

    const signed = await build();
    signed.sign(a, b);
    expect((await closeAndGet(h, (await h.server.sendTransaction(signed)).hash)).status).toBe('SUCCESS');
    expect(h.sandbox.balance(b.publicKey())).toBe('97.0000000');
    expect(h.sandbox.balance(a.publicKey())).toBe('102.9999900');
  });

  it('answers DUPLICATE for the same envelope while pending, then txBAD_SEQ once applied', async () => {
    const tx = await payment(h, h.keypair(0), h.keypair(1).publicKey());
    const hash = hashHex(tx);
    expect((await h.server.sendTransaction(tx)).status).toBe('PENDING');
    const dup = await h.server.sendTransaction(tx);
    expect(dup).toMatchObject({ status: 'DUPLICATE', hash });
    await h.sandbox.closeLedger();
    const late = await h.server.sendTransaction(tx);
    expect(late.status).toBe('ERROR');
    expect(resultType(late.errorResult)).toBe('txBadSeq');
    expect(h.sandbox.sentCount(hash)).toBe(3);
    expect(h.sandbox.appliedTransactions()).toHaveLength(1);
    expect(h.sandbox.balance(h.keypair(1).publicKey())).toBe('110.0000000');
  });

  it('answers TRY_AGAIN_LATER to a second transaction from a source that already has one queued', async () => {
    const a = h.keypair(0);
    const first = await payment(h, a, h.keypair(1).publicKey());
    expect((await h.server.sendTransaction(first)).status).toBe('PENDING');
    const other = await payment(h, a, h.keypair(1).publicKey(), { amount: '2' });
    expect((await h.server.sendTransaction(other)).status).toBe('TRY_AGAIN_LATER');
  });

  it('answers JSON-RPC errors for unknown methods and malformed parameters', async () => {
    const call = async (body: unknown) => {
      const res = await fetch(h.sandbox.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { id: unknown; error?: { code: number } };
    };
    expect(await call({ jsonrpc: '2.0', id: 7, method: 'nope' })).toMatchObject({ id: 7, error: { code: -32601 } });
    expect(
      await call({ jsonrpc: '2.0', id: 8, method: 'sendTransaction', params: { transaction: 'AAAA' } }),
    ).toMatchObject({
      id: 8,
      error: { code: -32602 },
    });
    expect(await call({ jsonrpc: '2.0', id: 9, method: 'getTransaction', params: { hash: 'xyz' } })).toMatchObject({
      error: { code: -32602 },
    });
    await expect(h.server.getTransaction('zz')).rejects.toMatchObject({ code: -32602 });
  });
});
