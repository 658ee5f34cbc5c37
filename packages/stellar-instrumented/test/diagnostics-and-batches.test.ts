import { Asset, Contract, Keypair, nativeToScVal, Operation, rpc, TransactionBuilder } from '@stellar/stellar-sdk';
import { ERROR_CODES, StellarInstrumentedError } from '../src';
import { type Harness, payment, spansNamed, startHarness } from './helpers';

describe('refusals that say why, and per-operation results', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('ERROR txSOROBAN_INVALID: the diagnostic event is on the outcome, its error and its span', async () => {
    const issuer = Keypair.fromSecret(h.sandbox.accounts[0]!.secret);
    const raw = new TransactionBuilder(await h.server.getAccount(issuer.publicKey()), {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(
        new Contract(h.sandbox.credentialContractId).call(
          'mint',
          nativeToScVal(h.sandbox.accounts[1]!.publicKey, { type: 'address' }),
          nativeToScVal('c1', { type: 'string' }),
        ),
      )
      .setTimeout(30)
      .build();
    const sim = await h.server.simulateTransaction(raw);
    if (!rpc.Api.isSimulationSuccess(sim)) throw new Error('simulation failed');
    const tx = TransactionBuilder.cloneFrom(await h.server.prepareTransaction(raw), {
      fee: '100',
      sorobanData: sim.transactionData.setResourceFee(1000n).build(),
      networkPassphrase: h.sandbox.networkPassphrase,
    }).build();
    tx.sign(issuer);
    h.exporter.reset();
    const outcome = await h.client.submitAndWait(tx, { method: 'credential_mint' });
    const why = 'transaction `sorobanData.resourceFee` is lower than the actual Soroban resource fee (1000, 60000)';
    expect(outcome).toMatchObject({ status: 'rejected', resultCode: 'txSOROBAN_INVALID' });
    expect(outcome.diagnosticEvents).toEqual([
      {
        message: why,
        topics: ['error', 'Error(Storage, ExceededLimit)'],
        inSuccessfulContractCall: false,
        xdr: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
      },
    ]);
    expect(outcome.error).toBeInstanceOf(StellarInstrumentedError);
    expect((outcome.error as StellarInstrumentedError).code).toBe(ERROR_CODES.TX_REJECTED);
    expect(outcome.error?.message).toBe(`sendTransaction answered ERROR txSOROBAN_INVALID: ${why}`);
    expect((outcome.error as StellarInstrumentedError).diagnosticEvents).toEqual(outcome.diagnosticEvents);
    const [span] = spansNamed(h.exporter, 'stellar.submit');
    expect(span?.attributes['stellar.tx.diagnostic_events']).toEqual([why]);
    expect(span?.attributes['stellar.tx.diagnostic_events_xdr']).toEqual([outcome.diagnosticEvents![0]!.xdr]);
    expect(span?.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toContain(why);
  });

  it('ERROR without diagnostic events still carries a TX_REJECTED error, and no events', async () => {
    const outcome = await h.client.submitAndWait(await payment(h, { signer: Keypair.random() }), {
      method: 'reward_payment',
    });
    expect(outcome).toMatchObject({ status: 'rejected', resultCode: 'txBAD_AUTH' });
    expect(outcome.diagnosticEvents).toBeUndefined();
    expect(outcome.error?.message).toBe('sendTransaction answered ERROR txBAD_AUTH');
  });

  it('an injected ERROR with a message surfaces it', async () => {
    h.sandbox.faults.inject({ kind: 'error', resultCode: 'txINTERNAL_ERROR', diagnostic: 'core said no' });
    const outcome = await h.client.submitAndWait(await payment(h), { method: 'reward_payment' });
    expect(outcome.diagnosticEvents?.map((e) => e.message)).toEqual(['core said no']);
  });

  it('a batch from a channel account: per-operation codes on success and on failure', async () => {
    const distributor = Keypair.fromSecret(h.sandbox.accounts[0]!.secret);
    const channel = Keypair.fromSecret(h.sandbox.accounts[2]!.secret);
    const build = async (destinations: string[]) => {
      const b = new TransactionBuilder(await h.server.getAccount(channel.publicKey()), {
        fee: '100',
        networkPassphrase: h.sandbox.networkPassphrase,
      }).setTimeout(30);
      for (const destination of destinations) {
        b.addOperation(
          Operation.payment({ source: distributor.publicKey(), destination, asset: Asset.native(), amount: '1' }),
        );
      }
      const tx = b.build();
      tx.sign(channel, distributor);
      return tx;
    };
    const learner = h.sandbox.accounts[1]!.publicKey;
    const ok = await h.client.submitAndWait(await build([learner, learner]), { method: 'reward_payment' });
    expect(ok).toMatchObject({ status: 'success', operationResultCodes: ['PAYMENT_SUCCESS', 'PAYMENT_SUCCESS'] });
    const bad = await h.client.submitAndWait(await build([learner, Keypair.random().publicKey(), learner]), {
      method: 'reward_payment',
    });
    expect(bad).toMatchObject({
      status: 'failed',
      resultCode: 'txFAILED',
      operationResultCodes: ['PAYMENT_SUCCESS', 'PAYMENT_NO_DESTINATION', 'PAYMENT_SUCCESS'],
    });
  });
});
