import {
  Account,
  Contract,
  nativeToScVal,
  rpc,
  scValToNative,
  type Transaction,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk';
import { closeAndGet, type Harness, harness, hashHex, opResultType } from './helpers';

describe('credential mint through simulate / prepare / sign / send / poll', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ fundedAccounts: 2 });
  });
  afterEach(() => h.sandbox.close());

  async function mintTx(to: string, courseId: xdr.ScVal | string, afterSequence?: string): Promise<Transaction> {
    const issuer = h.keypair(0);
    const course = typeof courseId === 'string' ? nativeToScVal(courseId, { type: 'string' }) : courseId;
    const account = afterSequence
      ? new Account(issuer.publicKey(), afterSequence)
      : await h.server.getAccount(issuer.publicKey());
    return new TransactionBuilder(account, {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(
        new Contract(h.sandbox.credentialContractId).call('mint', nativeToScVal(to, { type: 'address' }), course),
      )
      .setTimeout(30)
      .build();
  }

  it('simulates with real SorobanTransactionData and source-account auth, then mints once', async () => {
    const learner = h.keypair(1).publicKey();
    const raw = await mintTx(learner, 'stellar-101');
    const sim = await h.server.simulateTransaction(raw);
    expect(rpc.Api.isSimulationSuccess(sim)).toBe(true);
    if (!rpc.Api.isSimulationSuccess(sim)) return;
    expect(Number(sim.minResourceFee)).toBeGreaterThan(0);
    expect(sim.result?.auth).toHaveLength(1);
    expect(sim.result?.auth[0]?.credentials.type).toBe('sorobanCredentialsSourceAccount');
    const data = sim.transactionData.build();
    expect(data.resources.footprint.readWrite).toHaveLength(1);

    const prepared = await h.server.prepareTransaction(raw);
    expect(BigInt(prepared.fee)).toBe(100n + BigInt(sim.minResourceFee));
    prepared.sign(h.keypair(0));
    const sent = await h.server.sendTransaction(prepared);
    expect(sent).toMatchObject({ status: 'PENDING', hash: hashHex(prepared) });
    await h.sandbox.closeLedger();
    const got = await h.server.pollTransaction(sent.hash, { attempts: 3, sleepStrategy: () => 10 });
    expect(got.status).toBe(rpc.Api.GetTransactionStatus.SUCCESS);
    if (got.status !== rpc.Api.GetTransactionStatus.SUCCESS) return;
    expect(opResultType(got.resultXdr)).toBe('invokeHostFunctionSuccess');
    expect(scValToNative(got.returnValue!)).toBe(1n);
    expect(got.resultXdr.feeCharged).toBe(100n + BigInt(sim.minResourceFee));
    expect(h.sandbox.mintedCredentials()).toEqual([{ to: learner, courseId: 'stellar-101', hash: sent.hash }]);

    // The credential is a contract data entry the SDK can read back.
    const entry = await h.server.getContractData(
      h.sandbox.credentialContractId,
      xdr.ScVal.scvVec([
        xdr.ScVal.scvSymbol('Credential'),
        nativeToScVal(learner, { type: 'address' }),
        xdr.ScVal.scvString('stellar-101'),
      ]),
    );
    expect(entry.val.type).toBe('contractData');
  });

  it('refuses a second mint of the same (to, course): simulation errors and prepareTransaction throws', async () => {
    const learner = h.keypair(1).publicKey();
    const first = await h.server.prepareTransaction(await mintTx(learner, 'c1'));
    first.sign(h.keypair(0));
    await closeAndGet(h, (await h.server.sendTransaction(first)).hash);

    const again = await mintTx(learner, 'c1');
    const sim = await h.server.simulateTransaction(again);
    expect(rpc.Api.isSimulationError(sim)).toBe(true);
    await expect(h.server.prepareTransaction(again)).rejects.toThrow(/Error\(Contract, #1\)/);
    // A course given as a Symbol is the same course.
    await expect(h.server.prepareTransaction(await mintTx(learner, xdr.ScVal.scvSymbol('c1')))).rejects.toThrow(
      /Error\(Contract, #1\)/,
    );
    expect(h.sandbox.mintedCredentials()).toHaveLength(1);
  });

  it('fails an included second mint that was prepared before the first landed (trapped, fee charged)', async () => {
    const learner = h.keypair(1).publicKey();
    const first = await h.server.prepareTransaction(await mintTx(learner, 'c2'));
    // Prepared while nothing is minted yet, with the sequence after the first one.
    const second = await h.server.prepareTransaction(await mintTx(learner, 'c2', first.sequence));
    first.sign(h.keypair(0));
    second.sign(h.keypair(0));
    expect((await closeAndGet(h, (await h.server.sendTransaction(first)).hash)).status).toBe('SUCCESS');
    const got = await closeAndGet(h, (await h.server.sendTransaction(second)).hash);
    expect(got.status).toBe('FAILED');
    if (got.status === rpc.Api.GetTransactionStatus.FAILED) {
      expect(opResultType(got.resultXdr)).toBe('invokeHostFunctionTrapped');
      expect(got.resultXdr.feeCharged).toBeGreaterThan(100n);
    }
    expect(h.sandbox.mintedCredentials()).toHaveLength(1);
  });

  it('fails a mint sent without the authorization entry simulation returned', async () => {
    const raw = await mintTx(h.keypair(1).publicKey(), 'c3');
    const sim = await h.server.simulateTransaction(raw);
    if (!rpc.Api.isSimulationSuccess(sim)) throw new Error('simulation failed');
    const noAuth = TransactionBuilder.cloneFrom(raw, {
      fee: (100 + Number(sim.minResourceFee)).toString(),
      sorobanData: sim.transactionData.build(),
      networkPassphrase: h.sandbox.networkPassphrase,
    }).build();
    noAuth.sign(h.keypair(0));
    const got = await closeAndGet(h, (await h.server.sendTransaction(noAuth)).hash);
    expect(got.status).toBe('FAILED');
    if (got.status === rpc.Api.GetTransactionStatus.FAILED)
      expect(opResultType(got.resultXdr)).toBe('invokeHostFunctionTrapped');
    expect(h.sandbox.mintedCredentials()).toHaveLength(0);
  });

  it('rejects a mint without Soroban data (not prepared) as txMALFORMED', async () => {
    const raw = await mintTx(h.keypair(1).publicKey(), 'c4');
    raw.sign(h.keypair(0));
    const sent = await h.server.sendTransaction(raw);
    expect(sent.status).toBe('ERROR');
    expect(sent.errorResult?.result.type).toBe('txMalformed');
  });

  it('rejects a mint whose inclusion fee is too low with txINSUFFICIENT_FEE, a low resource fee with txSOROBAN_INVALID', async () => {
    const raw = await mintTx(h.keypair(1).publicKey(), 'c5');
    const sim = await h.server.simulateTransaction(raw);
    if (!rpc.Api.isSimulationSuccess(sim)) throw new Error('simulation failed');
    const prepared = await h.server.prepareTransaction(raw);
    const cheapInclusion = TransactionBuilder.cloneFrom(prepared, {
      fee: '50',
      sorobanData: sim.transactionData.build(),
      networkPassphrase: h.sandbox.networkPassphrase,
    }).build();
    const lowResource = TransactionBuilder.cloneFrom(prepared, {
      fee: '100',
      sorobanData: sim.transactionData.setResourceFee(1000n).build(),
      networkPassphrase: h.sandbox.networkPassphrase,
    }).build();
    const expected = ['txInsufficientFee', 'txSorobanInvalid'];
    for (const [i, tx] of [cheapInclusion, lowResource].entries()) {
      tx.sign(h.keypair(0));
      const sent = await h.server.sendTransaction(tx);
      expect(sent.status).toBe('ERROR');
      expect(sent.errorResult?.result.type).toBe(expected[i]);
    }
  });

  it('answers a simulation error for another contract or function', async () => {
    const issuer = h.keypair(0);
    const other = new TransactionBuilder(await h.server.getAccount(issuer.publicKey()), {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(new Contract(h.sandbox.credentialContractId).call('burn'))
      .setTimeout(30)
      .build();
    const sim = await h.server.simulateTransaction(other);
    expect(rpc.Api.isSimulationError(sim)).toBe(true);
  });
});
