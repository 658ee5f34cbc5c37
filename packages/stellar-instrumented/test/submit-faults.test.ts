import { type Harness, payment, sample, startHarness } from './helpers';

/** Every injected fault ends in the status label an operator should see, and the envelope never changes. */
describe('submitAndWait under injected faults', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const statusCount = (status: string) =>
    sample(h.registry, 'stellar_transactions_total', { method: 'reward_payment', status });
  const hashOf = (tx: { hash(): Uint8Array }) => Buffer.from(tx.hash()).toString('hex');
  const timesApplied = (hash: string) => h.sandbox.appliedTransactions().filter((t) => t.hash === hash).length;

  it('TRY_AGAIN_LATER then success: resends the identical envelope and pays once', async () => {
    const to = h.sandbox.accounts[1]!.publicKey;
    const before = Number(h.sandbox.balance(to));
    h.sandbox.faults.inject({ kind: 'try_again_later', times: 2 });
    const tx = await payment(h, { amount: '7' });

    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'success', hash: hashOf(tx), attempts: 3 });
    expect(h.sandbox.sentCount(hashOf(tx))).toBe(3);
    expect(timesApplied(hashOf(tx))).toBe(1);
    expect(h.sandbox.appliedTransactions()).toHaveLength(1);
    expect(Number(h.sandbox.balance(to))).toBeCloseTo(before + 7, 7);
    expect(
      await sample(h.registry, 'stellar_transaction_resubmissions_total', {
        method: 'reward_payment',
        reason: 'try_again_later',
      }),
    ).toBe(2);
    expect(await statusCount('success')).toBe(1);
  });

  it('TRY_AGAIN_LATER on every attempt ends rejected (never queued), after the bounded attempts', async () => {
    h.sandbox.faults.inject({ kind: 'try_again_later', times: Number.POSITIVE_INFINITY });
    const tx = await payment(h);

    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'rejected', resultCode: 'TRY_AGAIN_LATER', attempts: 4, polls: 0 });
    expect(h.sandbox.sentCount(hashOf(tx))).toBe(4);
    expect(timesApplied(hashOf(tx))).toBe(0);
    expect(await statusCount('rejected')).toBe(1);
  });

  it('ERROR with a result code ends rejected with that code, sent once', async () => {
    h.sandbox.faults.inject({ kind: 'error', resultCode: 'txINSUFFICIENT_FEE' });
    const tx = await payment(h);

    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'rejected', resultCode: 'txINSUFFICIENT_FEE', attempts: 1, polls: 0 });
    expect(h.sandbox.sentCount(hashOf(tx))).toBe(1);
    expect(await statusCount('rejected')).toBe(1);
  });

  it('a transaction included but FAILED ends failed with its operation code and the fee charged', async () => {
    h.sandbox.faults.inject({ kind: 'tx_failed', resultCode: 'opUNDERFUNDED' });
    const tx = await payment(h);

    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'failed', resultCode: 'txFAILED', feeCharged: '100', attempts: 1 });
    expect(outcome.operationResultCodes).toEqual(['PAYMENT_UNDERFUNDED']);
    expect(outcome.ledger).toBeGreaterThan(1);
    expect(await statusCount('failed')).toBe(1);
  });

  it('never confirmed: ends expired once the ledger closes past maxTime, never re-sent as a new envelope', async () => {
    h.sandbox.faults.inject({ kind: 'never_confirm' });
    const tx = await payment(h, { timeoutSeconds: 1 });
    const maxTime = Number(tx.timeBounds!.maxTime);

    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'expired', reason: 'past_time_bound', attempts: 1 });
    // Ledger time, not the local clock, decided it.
    expect(outcome.latestLedgerCloseTime).toBeGreaterThan(maxTime);
    expect(h.sandbox.sentCount(hashOf(tx))).toBe(1);
    expect(h.sandbox.appliedTransactions()).toHaveLength(0);
    expect(await statusCount('expired')).toBe(1);
  });

  it('never confirmed within the poll budget: ends indeterminate, not failed, and sent once', async () => {
    h.sandbox.faults.inject({ kind: 'never_confirm' });
    const tx = await payment(h, { timeoutSeconds: 60 });

    const outcome = await h.clientWith({ maxPollDurationMs: 400 }).submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'indeterminate', reason: 'poll_timeout', attempts: 1 });
    expect(outcome.polls).toBeGreaterThan(1);
    expect(h.sandbox.sentCount(hashOf(tx))).toBe(1);
    expect(await statusCount('indeterminate')).toBe(1);
    expect(await statusCount('failed')).toBe(0);
  });

  it.each([
    ['http_5xx', 'http_error'],
    ['drop_connection', 'network_error'],
  ] as const)('%s on one send: resends the identical envelope and succeeds', async (kind, outcomeLabel) => {
    h.sandbox.faults.inject({ kind, rpcMethod: 'sendTransaction' });
    const tx = await payment(h);

    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'success', attempts: 2 });
    expect(timesApplied(hashOf(tx))).toBe(1);
    expect(
      await sample(h.registry, 'stellar_rpc_requests_total', { rpc_method: 'sendTransaction', outcome: outcomeLabel }),
    ).toBe(1);
    expect(
      await sample(h.registry, 'stellar_transaction_resubmissions_total', {
        method: 'reward_payment',
        reason: outcomeLabel,
      }),
    ).toBe(1);
  });

  it('HTTP 5xx on every send: the envelope may or may not have arrived, so it waits for the time bound → expired', async () => {
    h.sandbox.faults.inject({ kind: 'http_5xx', rpcMethod: 'sendTransaction', times: Number.POSITIVE_INFINITY });
    const tx = await payment(h, { timeoutSeconds: 1 });

    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'expired', attempts: 4 });
    expect(outcome.polls).toBeGreaterThan(0);
    expect(timesApplied(hashOf(tx))).toBe(0);
  });

  it('a send that times out (the RPC got it late): resends the identical envelope, pays once', async () => {
    // Only the first send is held. The client's bound leaves the resend a whole second even on a loaded
    // machine (with 150 ms, a slow resend timed out too: 3 attempts instead of 2).
    h.sandbox.faults.inject({ kind: 'latency', rpcMethod: 'sendTransaction', delayMs: 3000 });
    const tx = await payment(h);

    const outcome = await h.clientWith({ requestTimeoutMs: 1000 }).submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'success', attempts: 2 });
    expect(timesApplied(hashOf(tx))).toBe(1);
    expect(
      await sample(h.registry, 'stellar_rpc_requests_total', { rpc_method: 'sendTransaction', outcome: 'timeout' }),
    ).toBe(1);
  });

  it('ERROR after a send whose fate was unknown: finds the earlier send applied and reports success', async () => {
    // Send 1 is held 800 ms (client gives up at 150 ms) but is then accepted; send 2 is refused with txBAD_SEQ.
    h.sandbox.faults.inject({ kind: 'latency', rpcMethod: 'sendTransaction', delayMs: 800 });
    h.sandbox.faults.inject({ kind: 'error', resultCode: 'txBAD_SEQ' });
    const tx = await payment(h);

    const outcome = await h.clientWith({ requestTimeoutMs: 150 }).submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'success', attempts: 2 });
    expect(timesApplied(hashOf(tx))).toBe(1);
  });

  it('ERROR after a send that may be in flight: rejected with the code only once the time bound has passed', async () => {
    h.sandbox.faults.inject({ kind: 'http_5xx', rpcMethod: 'sendTransaction' });
    h.sandbox.faults.inject({ kind: 'error', resultCode: 'txINSUFFICIENT_FEE' });
    const tx = await payment(h, { timeoutSeconds: 1 });

    const outcome = await h.client.submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'rejected', resultCode: 'txINSUFFICIENT_FEE', attempts: 2 });
    expect(outcome.latestLedgerCloseTime).toBeGreaterThan(Number(tx.timeBounds!.maxTime));
    expect(outcome.polls).toBeGreaterThan(0);
    expect(timesApplied(hashOf(tx))).toBe(0);
  });

  it('getTransaction failing throughout: indeterminate (rpc_unavailable) although it landed; a later resume finds it', async () => {
    h.sandbox.faults.inject({ kind: 'http_5xx', rpcMethod: 'getTransaction', times: Number.POSITIVE_INFINITY });
    const tx = await payment(h);

    const outcome = await h.clientWith({ maxPollDurationMs: 400 }).submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome).toMatchObject({ status: 'indeterminate', reason: 'rpc_unavailable', attempts: 1 });
    expect(outcome.error).toBeInstanceOf(Error);
    expect(timesApplied(hashOf(tx))).toBe(1);
    expect(
      await sample(h.registry, 'stellar_transaction_polls_total', { method: 'reward_payment', result: 'error' }),
    ).toBe(outcome.polls);

    h.sandbox.faults.clear();
    const resumed = await h.client.waitForTransaction(outcome.hash, { method: 'reward_payment' });
    expect(resumed).toMatchObject({ status: 'success', attempts: 0, polls: 1, ledger: expect.any(Number) });
    expect(h.sandbox.sentCount(hashOf(tx))).toBe(1);
  });

  it('a slow getTransaction is cut by the wrapper timeout and polling goes on', async () => {
    h.sandbox.faults.inject({ kind: 'latency', rpcMethod: 'getTransaction', delayMs: 2000 });
    const tx = await payment(h);

    const started = Date.now();
    const outcome = await h.clientWith({ requestTimeoutMs: 150 }).submitAndWait(tx, { method: 'reward_payment' });

    expect(outcome.status).toBe('success');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(
      await sample(h.registry, 'stellar_rpc_requests_total', { rpc_method: 'getTransaction', outcome: 'timeout' }),
    ).toBe(1);
  });
});
