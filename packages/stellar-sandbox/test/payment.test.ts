import { Asset, Keypair, Operation, rpc, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { closeAndGet, type Harness, harness, hashHex, opResultType, payment } from './helpers';

describe('classic payments and account creation through the real SDK', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ fundedAccounts: 2, startingBalance: '100' });
  });
  afterEach(() => h.sandbox.close());

  it('moves XLM, charges the fee, and reports NOT_FOUND then SUCCESS with parsable XDR', async () => {
    const [a, b] = [h.keypair(0), h.keypair(1)];
    const tx = await payment(h, a, b.publicKey(), { amount: '12.5' });
    const sent = await h.server.sendTransaction(tx);
    expect(sent.status).toBe('PENDING');
    expect(sent.hash).toBe(hashHex(tx));
    expect((await h.server.getTransaction(sent.hash)).status).toBe(rpc.Api.GetTransactionStatus.NOT_FOUND);

    const got = await closeAndGet(h, sent.hash);
    expect(got.status).toBe(rpc.Api.GetTransactionStatus.SUCCESS);
    if (got.status !== rpc.Api.GetTransactionStatus.SUCCESS) return;
    expect(got.ledger).toBe(h.sandbox.latestLedger());
    expect(got.resultXdr.result.type).toBe('txSuccess');
    expect(opResultType(got.resultXdr)).toBe('paymentSuccess');
    expect(got.resultXdr.feeCharged).toBe(100n);
    expect(got.envelopeXdr.toXdr('base64')).toBe(tx.toEnvelope().toXdr('base64'));
    expect(got.resultMetaXdr.type).toBe('v3');
    expect(Math.abs(Number(got.createdAt) - Date.now() / 1000)).toBeLessThan(5);

    expect(h.sandbox.balance(a.publicKey())).toBe('87.4999900');
    expect(h.sandbox.balance(b.publicKey())).toBe('112.5000000');
    const entry = await h.server.getAccountEntry(a.publicKey());
    expect(entry.balance).toBe(874_999_900n);
    expect(h.sandbox.appliedTransactions()).toEqual([{ hash: sent.hash, ledger: got.ledger, successful: true }]);
    expect(h.sandbox.sentCount(sent.hash)).toBe(1);
  });

  it('bumps the sequence number on inclusion, also when the operation fails', async () => {
    const a = h.keypair(0);
    const before = (await h.server.getAccount(a.publicKey())).sequenceNumber();
    const tx = await payment(h, a, h.keypair(1).publicKey(), { amount: '500' });
    const sent = await h.server.sendTransaction(tx);
    expect(sent.status).toBe('PENDING');
    const got = await closeAndGet(h, sent.hash);
    expect(got.status).toBe(rpc.Api.GetTransactionStatus.FAILED);
    if (got.status !== rpc.Api.GetTransactionStatus.FAILED) return;
    expect(got.resultXdr.result.type).toBe('txFailed');
    expect(opResultType(got.resultXdr)).toBe('paymentUnderfunded');
    expect((await h.server.getAccount(a.publicKey())).sequenceNumber()).toBe((BigInt(before) + 1n).toString());
    expect(h.sandbox.balance(a.publicKey())).toBe('99.9999900');
    expect(h.sandbox.appliedTransactions()[0]).toMatchObject({ hash: sent.hash, successful: false });
  });

  it('fails a payment to an account that does not exist with PAYMENT_NO_DESTINATION', async () => {
    const tx = await payment(h, h.keypair(0), Keypair.random().publicKey());
    const got = await closeAndGet(h, (await h.server.sendTransaction(tx)).hash);
    expect(got.status).toBe(rpc.Api.GetTransactionStatus.FAILED);
    if (got.status === rpc.Api.GetTransactionStatus.FAILED)
      expect(opResultType(got.resultXdr)).toBe('paymentNoDestination');
  });

  it('creates an account whose sequence starts at ledger << 32, visible through getAccount', async () => {
    const a = h.keypair(0);
    const fresh = Keypair.random();
    const tx = new TransactionBuilder(await h.server.getAccount(a.publicKey()), {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(Operation.createAccount({ destination: fresh.publicKey(), startingBalance: '5' }))
      .setTimeout(30)
      .build();
    tx.sign(a);
    const got = await closeAndGet(h, (await h.server.sendTransaction(tx)).hash);
    expect(got.status).toBe(rpc.Api.GetTransactionStatus.SUCCESS);
    if (got.status !== rpc.Api.GetTransactionStatus.SUCCESS) return;
    expect(opResultType(got.resultXdr)).toBe('createAccountSuccess');
    const created = await h.server.getAccount(fresh.publicKey());
    expect(created.sequenceNumber()).toBe((BigInt(got.ledger) << 32n).toString());
    expect(h.sandbox.balance(fresh.publicKey())).toBe('5.0000000');

    // The new account can pay at once, with the sequence the SDK loaded.
    const back = await payment(h, fresh, a.publicKey(), { amount: '1' });
    expect((await closeAndGet(h, (await h.server.sendTransaction(back)).hash)).status).toBe('SUCCESS');
  });

  it('rejects createAccount for an existing account or below the reserve', async () => {
    const a = h.keypair(0);
    const build = async (destination: string, startingBalance: string) => {
      const tx = new TransactionBuilder(await h.server.getAccount(a.publicKey()), {
        fee: '100',
        networkPassphrase: h.sandbox.networkPassphrase,
      })
        .addOperation(Operation.createAccount({ destination, startingBalance }))
        .setTimeout(30)
        .build();
      tx.sign(a);
      return closeAndGet(h, (await h.server.sendTransaction(tx)).hash);
    };
    const exists = await build(h.keypair(1).publicKey(), '5');
    const low = await build(Keypair.random().publicKey(), '0.5');
    for (const [got, code] of [
      [exists, 'createAccountAlreadyExist'],
      [low, 'createAccountLowReserve'],
    ] as const) {
      expect(got.status).toBe('FAILED');
      if (got.status === rpc.Api.GetTransactionStatus.FAILED) expect(opResultType(got.resultXdr)).toBe(code);
    }
  });

  it('applies every operation or none: a multi-op transaction fails whole', async () => {
    const [a, b] = [h.keypair(0), h.keypair(1)];
    const tx = new TransactionBuilder(await h.server.getAccount(a.publicKey()), {
      fee: '200',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '10' }))
      .addOperation(
        Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1' }),
      )
      .setTimeout(30)
      .build();
    tx.sign(a);
    const got = await closeAndGet(h, (await h.server.sendTransaction(tx)).hash);
    expect(got.status).toBe('FAILED');
    if (got.status !== rpc.Api.GetTransactionStatus.FAILED) return;
    expect(got.resultXdr.feeCharged).toBe(200n);
    expect(opResultType(got.resultXdr, 1)).toBe('paymentNoDestination');
    expect(h.sandbox.balance(b.publicKey())).toBe('100.0000000');
  });

  it('fails a payment in an issued asset: the sandbox has no trustlines', async () => {
    const a = h.keypair(0);
    const usd = new Asset('USD', h.keypair(1).publicKey());
    const tx = new TransactionBuilder(await h.server.getAccount(a.publicKey()), {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(Operation.payment({ destination: h.keypair(1).publicKey(), asset: usd, amount: '1' }))
      .setTimeout(30)
      .build();
    tx.sign(a);
    const got = await closeAndGet(h, (await h.server.sendTransaction(tx)).hash);
    expect(got.status).toBe('FAILED');
    if (got.status === rpc.Api.GetTransactionStatus.FAILED)
      expect(opResultType(got.resultXdr)).toBe('paymentSrcNoTrust');
  });

  it('serves the ledger through getLatestLedger with a parsable header and close meta', async () => {
    await h.sandbox.closeLedger();
    const latest = await h.server.getLatestLedger();
    expect(latest.sequence).toBe(h.sandbox.latestLedger());
    expect(latest.headerXdr.ledgerSeq).toBe(latest.sequence);
    expect(latest.metadataXdr.type).toBe('v0');
    const health = await h.server.getHealth();
    expect(health).toMatchObject({ status: 'healthy', latestLedger: latest.sequence });
    expect(await h.server.getNetwork()).toMatchObject({ passphrase: h.sandbox.networkPassphrase });
    expect(xdr.LedgerHeader.fromXdr(latest.headerXdr.toXdr('base64'), 'base64').ledgerSeq).toBe(latest.sequence);
    const fees = await h.server.getFeeStats();
    expect(fees.inclusionFee.p50).toBe('100');
    expect(fees.latestLedger).toBe(latest.sequence);
    expect((await h.server.getVersionInfo()).protocolVersion).toBe(23);
  });
});
