import {
  Asset,
  Contract,
  Keypair,
  nativeToScVal,
  Operation,
  rpc,
  scValToNative,
  type Transaction,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk';
import { closeAndGet, type Harness, harness, hashHex, opResultType, resultType } from './helpers';

/**
 * The channel-account pattern: a channel account is the transaction's source (fee, sequence), the
 * distributor is every operation's source (the money). Both must sign.
 */
interface BatchOp {
  kind: 'payment' | 'createAccount';
  destination: string;
  amount: string;
}

async function batch(h: Harness, channel: Keypair, distributor: Keypair, ops: BatchOp[], signers?: Keypair[]) {
  const builder = new TransactionBuilder(await h.server.getAccount(channel.publicKey()), {
    fee: '100',
    networkPassphrase: h.sandbox.networkPassphrase,
  }).setTimeout(30);
  for (const op of ops) {
    builder.addOperation(
      op.kind === 'payment'
        ? Operation.payment({
            source: distributor.publicKey(),
            destination: op.destination,
            asset: Asset.native(),
            amount: op.amount,
          })
        : Operation.createAccount({
            source: distributor.publicKey(),
            destination: op.destination,
            startingBalance: op.amount,
          }),
    );
  }
  const tx = builder.build();
  for (const signer of signers ?? [channel, distributor]) tx.sign(signer);
  return tx;
}

function opCodes(result: xdr.TransactionResult): string[] {
  const r = result.result;
  if (r.type !== 'txSuccess' && r.type !== 'txFailed') return [];
  return r.results.map((_, i) => opResultType(result, i));
}

describe('batched payments from a channel account', () => {
  let h: Harness;
  let distributor: Keypair;
  let channel: Keypair;
  let learners: string[];
  beforeEach(async () => {
    h = await harness({ fundedAccounts: 6, startingBalance: '1000' });
    distributor = h.keypair(0);
    channel = h.keypair(1);
    learners = [2, 3, 4].map((i) => h.keypair(i).publicKey());
  });
  afterEach(() => h.sandbox.close());

  it('applies many payments and account creations sourced from the distributor in one transaction', async () => {
    const fresh = [Keypair.random().publicKey(), Keypair.random().publicKey()];
    const ops: BatchOp[] = [
      ...learners.map((destination) => ({ kind: 'payment' as const, destination, amount: '10' })),
      ...fresh.map((destination) => ({ kind: 'createAccount' as const, destination, amount: '5' })),
    ];
    const tx = await batch(h, channel, distributor, ops);
    expect((await h.server.sendTransaction(tx)).status).toBe('PENDING');
    const got = await closeAndGet(h, hashHex(tx));
    expect(got.status).toBe(rpc.Api.GetTransactionStatus.SUCCESS);
    if (got.status !== rpc.Api.GetTransactionStatus.SUCCESS) return;
    expect(opCodes(got.resultXdr)).toEqual([
      'paymentSuccess',
      'paymentSuccess',
      'paymentSuccess',
      'createAccountSuccess',
      'createAccountSuccess',
    ]);
    // The channel pays the fee (100 stroops per operation); the distributor pays the amounts.
    expect(got.resultXdr.feeCharged).toBe(500n);
    expect(h.sandbox.balance(channel.publicKey())).toBe('999.9999500');
    expect(h.sandbox.balance(distributor.publicKey())).toBe('960.0000000');
    for (const l of learners) expect(h.sandbox.balance(l)).toBe('1010.0000000');
    for (const f of fresh) expect(h.sandbox.balance(f)).toBe('5.0000000');
  });

  it('refuses a batch the distributor did not sign: opBAD_AUTH for each operation', async () => {
    const ops = learners.map((destination) => ({ kind: 'payment' as const, destination, amount: '1' }));
    const tx = await batch(h, channel, distributor, ops, [channel]);
    const sent = await h.server.sendTransaction(tx);
    expect(sent.status).toBe('ERROR');
    expect(resultType(sent.errorResult)).toBe('txFailed');
    expect(opCodes(sent.errorResult!)).toEqual(['opBadAuth', 'opBadAuth', 'opBadAuth']);
    // Without the channel's signature the transaction itself is unauthorised.
    const unsigned = await batch(h, channel, distributor, ops, [distributor]);
    expect(resultType((await h.server.sendTransaction(unsigned)).errorResult)).toBe('txBadAuth');
  });

  it('one bad operation fails the whole batch with per-operation results; nothing moves but the fee', async () => {
    const missing = Keypair.random().publicKey();
    const ops: BatchOp[] = [
      { kind: 'payment', destination: learners[0]!, amount: '10' },
      { kind: 'payment', destination: missing, amount: '10' },
      { kind: 'createAccount', destination: Keypair.random().publicKey(), amount: '0.5' },
      { kind: 'payment', destination: learners[1]!, amount: '5000' },
      { kind: 'payment', destination: learners[2]!, amount: '10' },
    ];
    const tx = await batch(h, channel, distributor, ops);
    const before = (await h.server.getAccount(channel.publicKey())).sequenceNumber();
    expect((await h.server.sendTransaction(tx)).status).toBe('PENDING');
    const got = await closeAndGet(h, hashHex(tx));
    expect(got.status).toBe(rpc.Api.GetTransactionStatus.FAILED);
    if (got.status !== rpc.Api.GetTransactionStatus.FAILED) return;
    expect(resultType(got.resultXdr)).toBe('txFailed');
    expect(opCodes(got.resultXdr)).toEqual([
      'paymentSuccess',
      'paymentNoDestination',
      'createAccountLowReserve',
      'paymentUnderfunded',
      'paymentSuccess',
    ]);
    expect(h.sandbox.balance(distributor.publicKey())).toBe('1000.0000000');
    expect(h.sandbox.balance(learners[0]!)).toBe('1000.0000000');
    expect(h.sandbox.balance(channel.publicKey())).toBe('999.9999500');
    expect(BigInt((await h.server.getAccount(channel.publicKey())).sequenceNumber())).toBe(BigInt(before) + 1n);
  });

  it('two channels spending the same distributor are included in the same ledger', async () => {
    const other = h.keypair(5);
    const a = await batch(h, channel, distributor, [{ kind: 'payment', destination: learners[0]!, amount: '1' }]);
    const b = await batch(h, other, distributor, [{ kind: 'payment', destination: learners[1]!, amount: '2' }]);
    expect((await h.server.sendTransaction(a)).status).toBe('PENDING');
    expect((await h.server.sendTransaction(b)).status).toBe('PENDING');
    await h.sandbox.closeLedger();
    const applied = h.sandbox.appliedTransactions();
    expect(applied.map((t) => t.ledger)).toEqual([2, 2]);
    expect(applied.every((t) => t.successful)).toBe(true);
    expect(h.sandbox.balance(distributor.publicKey())).toBe('997.0000000');
  });

  it('tx_failed with operationIndex fails that operation only in the result', async () => {
    const ops = learners.map((destination) => ({ kind: 'payment' as const, destination, amount: '1' }));
    h.sandbox.faults.inject({ kind: 'tx_failed', resultCode: 'opNO_DESTINATION', operationIndex: 2 });
    const tx = await batch(h, channel, distributor, ops);
    await h.server.sendTransaction(tx);
    const got = await closeAndGet(h, hashHex(tx));
    expect(got.status).toBe('FAILED');
    if (got.status !== rpc.Api.GetTransactionStatus.FAILED) return;
    expect(opCodes(got.resultXdr)).toEqual(['paymentSuccess', 'paymentSuccess', 'paymentNoDestination']);
  });

  it('tx_failed with a destination waits for the transaction paying it and fails that operation', async () => {
    const ops = learners.map((destination) => ({ kind: 'payment' as const, destination, amount: '1' }));
    const other = Keypair.random().publicKey();
    h.sandbox.faults.inject({ kind: 'tx_failed', resultCode: 'opNO_DESTINATION', destination: learners[1]! });
    // A transaction that does not pay that account passes the fault by.
    const first = await batch(h, channel, distributor, [{ kind: 'createAccount', destination: other, amount: '2' }]);
    await h.server.sendTransaction(first);
    expect((await closeAndGet(h, hashHex(first))).status).toBe('SUCCESS');
    const tx = await batch(h, channel, distributor, ops);
    await h.server.sendTransaction(tx);
    const got = await closeAndGet(h, hashHex(tx));
    expect(got.status).toBe('FAILED');
    if (got.status !== rpc.Api.GetTransactionStatus.FAILED) return;
    expect(opCodes(got.resultXdr)).toEqual(['paymentSuccess', 'paymentNoDestination', 'paymentSuccess']);
    expect(() => h.sandbox.faults.inject({ kind: 'tx_failed', destination: 'nope' })).toThrow(/destination/);
  });
});

describe('diagnostic events on ERROR', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ fundedAccounts: 2 });
  });
  afterEach(() => h.sandbox.close());

  function eventText(event: xdr.DiagnosticEvent): { topics: unknown[]; data: unknown } {
    const body = event.event.body.value;
    return {
      topics: body.topics.map((t) => (t.type === 'scvError' ? t.error.type : scValToNative(t))),
      data: scValToNative(body.data),
    };
  }

  it('a mint declaring too little resource fee is txSOROBAN_INVALID with an event saying so', async () => {
    const issuer = h.keypair(0);
    const raw = new TransactionBuilder(await h.server.getAccount(issuer.publicKey()), {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(
        new Contract(h.sandbox.credentialContractId).call(
          'mint',
          nativeToScVal(h.keypair(1).publicKey(), { type: 'address' }),
          nativeToScVal('c1', { type: 'string' }),
        ),
      )
      .setTimeout(30)
      .build();
    const sim = await h.server.simulateTransaction(raw);
    if (!rpc.Api.isSimulationSuccess(sim)) throw new Error('simulation failed');
    const prepared = await h.server.prepareTransaction(raw);
    const low: Transaction = TransactionBuilder.cloneFrom(prepared, {
      fee: '100',
      sorobanData: sim.transactionData.setResourceFee(1000n).build(),
      networkPassphrase: h.sandbox.networkPassphrase,
    }).build();
    low.sign(issuer);
    const sent = await h.server.sendTransaction(low);
    expect(sent.status).toBe('ERROR');
    expect(resultType(sent.errorResult)).toBe('txSorobanInvalid');
    expect(sent.diagnosticEvents).toHaveLength(1);
    const event = sent.diagnosticEvents![0]!;
    expect(event.event.type.name).toBe('diagnostic');
    expect(eventText(event)).toEqual({
      topics: ['error', 'sceStorage'],
      data: ['transaction `sorobanData.resourceFee` is lower than the actual Soroban resource fee', 1000n, 60000n],
    });
  });

  it('an injected error fault may carry a diagnostic message', async () => {
    h.sandbox.faults.inject({ kind: 'error', resultCode: 'txSOROBAN_INVALID', diagnostic: 'why it was refused' });
    const tx = new TransactionBuilder(await h.server.getAccount(h.keypair(0).publicKey()), {
      fee: '100',
      networkPassphrase: h.sandbox.networkPassphrase,
    })
      .addOperation(Operation.payment({ destination: h.keypair(1).publicKey(), asset: Asset.native(), amount: '1' }))
      .setTimeout(30)
      .build();
    tx.sign(h.keypair(0));
    const sent = await h.server.sendTransaction(tx);
    expect(sent.status).toBe('ERROR');
    expect(eventText(sent.diagnosticEvents![0]!).data).toBe('why it was refused');
    // Without a message there is no event, as for most of core's refusals.
    h.sandbox.faults.inject({ kind: 'error', resultCode: 'txBAD_SEQ' });
    expect((await h.server.sendTransaction(tx)).diagnosticEvents).toBeUndefined();
  });
});
