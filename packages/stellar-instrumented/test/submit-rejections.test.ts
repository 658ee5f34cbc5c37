import { Asset, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { type Harness, payment, sample, startHarness } from './helpers';

/** What the sandbox rejects the way the real network does ends `rejected` with the network's result code. */
describe('submitAndWait: envelopes the network refuses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const expectRejected = async (tx: Awaited<ReturnType<typeof payment>>, resultCode: string) => {
    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });
    expect(outcome).toMatchObject({ status: 'rejected', resultCode, attempts: 1, polls: 0 });
    expect(outcome.ledger).toBeUndefined();
    const hash = Buffer.from(tx.hash()).toString('hex');
    expect(h.sandbox.appliedTransactions().some((t) => t.hash === hash)).toBe(false);
    return outcome;
  };

  it('a bad signature → txBAD_AUTH', async () => {
    await expectRejected(await payment(h, { signer: Keypair.random() }), 'txBAD_AUTH');
  });

  it('a wrong sequence number → txBAD_SEQ', async () => {
    await expectRejected(await payment(h, { sequenceOffset: 3n }), 'txBAD_SEQ');
  });

  it('a time bound already past on the ledger → txTOO_LATE', async () => {
    const source = h.sandbox.accounts[0]!;
    const account = await h.server.getAccount(source.publicKey);
    const now = Math.floor(Date.now() / 1000);
    const tx = new TransactionBuilder(account, {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
      timebounds: { minTime: 0, maxTime: now - 60 },
    })
      .addOperation(
        Operation.payment({ destination: h.sandbox.accounts[1]!.publicKey, asset: Asset.native(), amount: '1' }),
      )
      .build();
    tx.sign(Keypair.fromSecret(source.secret));
    await expectRejected(tx, 'txTOO_LATE');
  });

  it('labels each of them rejected', async () => {
    expect(
      await sample(h.registry, 'stellar_transactions_total', { method: 'reward_payment', status: 'rejected' }),
    ).toBe(3);
  });
});
