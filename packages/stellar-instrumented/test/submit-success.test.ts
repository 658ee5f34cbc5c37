import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_LEDGER,
  ATTR_RPC_METHOD,
  ATTR_TX_ATTEMPTS,
  ATTR_TX_HASH,
  ATTR_TX_RESULT_CODE,
  ATTR_TX_STATUS,
  SPAN_RPC_PREFIX,
  SPAN_SUBMIT,
} from '../src';
import { childrenOf, type Harness, payment, sample, spansNamed, startHarness } from './helpers';

describe('submitAndWait: a payment that lands', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('returns success with the ledger, result code, fee and the SDK hash, and pays once', async () => {
    const [from, to] = h.sandbox.accounts;
    const before = { from: Number(h.sandbox.balance(from!.publicKey)), to: Number(h.sandbox.balance(to!.publicKey)) };
    const tx = await payment(h, { amount: '25' });
    const expectedHash = Buffer.from(tx.hash()).toString('hex');
    const seenBeforeSend: number[] = [];

    const outcome = await h.client.submitAndWait(tx, {
      method: 'reward_payment',
      onHash: ({ hash, maxTime }) => {
        expect(hash).toBe(expectedHash);
        expect(maxTime).toBe(Number(tx.timeBounds!.maxTime));
        seenBeforeSend.push(h.sandbox.sentCount(hash));
      },
    });

    expect(seenBeforeSend).toEqual([0]);
    expect(outcome).toMatchObject({
      status: 'success',
      hash: expectedHash,
      method: 'reward_payment',
      resultCode: 'txSUCCESS',
      feeCharged: '100',
      attempts: 1,
    });
    expect(outcome.ledger).toBeGreaterThan(1);
    expect(outcome.polls).toBeGreaterThanOrEqual(1);
    expect(outcome.durations.totalMs).toBeGreaterThanOrEqual(outcome.durations.sendMs);
    expect(h.sandbox.sentCount(expectedHash)).toBe(1);
    expect(h.sandbox.appliedTransactions().filter((t) => t.hash === expectedHash)).toHaveLength(1);
    expect(Number(h.sandbox.balance(to!.publicKey))).toBeCloseTo(before.to + 25, 7);
    expect(Number(h.sandbox.balance(from!.publicKey))).toBeCloseTo(before.from - 25 - 0.00001, 7);
  });

  it('counts and times the submission and each RPC call on the caller registry', async () => {
    const outcome = await h.client.submitAndWait(await payment(h), { method: 'reward_payment' });
    const r = h.registry;

    expect(await sample(r, 'stellar_transactions_total', { method: 'reward_payment', status: 'success' })).toBe(1);
    expect(await sample(r, 'stellar_transaction_duration_seconds_count', { method: 'reward_payment' })).toBe(1);
    const seconds = await sample(r, 'stellar_transaction_duration_seconds_sum', { method: 'reward_payment' });
    expect(seconds).toBeCloseTo(outcome.durations.totalMs / 1000, 2);
    expect(await sample(r, 'stellar_rpc_requests_total', { rpc_method: 'sendTransaction', outcome: 'ok' })).toBe(1);
    expect(await sample(r, 'stellar_rpc_requests_total', { rpc_method: 'getTransaction', outcome: 'ok' })).toBe(
      outcome.polls,
    );
    expect(await sample(r, 'stellar_rpc_request_duration_seconds_count', { rpc_method: 'getTransaction' })).toBe(
      outcome.polls,
    );
    expect(await sample(r, 'stellar_transaction_polls_total', { method: 'reward_payment', result: 'success' })).toBe(1);
    expect(await sample(r, 'stellar_transaction_resubmissions_total', { method: 'reward_payment' })).toBe(0);
    // The exposition is valid for Prometheus (labels and names as promised).
    const text = await r.metrics();
    expect(text).toContain('stellar_transactions_total{method="reward_payment",status="success"} 1');
  });

  it('traces one submission span with a child per RPC call, carrying hash, ledger, status and attempts', async () => {
    const outcome = await h.client.submitAndWait(await payment(h), { method: 'reward_payment' });
    const [submit] = spansNamed(h.exporter, SPAN_SUBMIT);
    expect(submit).toBeDefined();
    expect(submit!.attributes).toMatchObject({
      [ATTR_TX_HASH]: outcome.hash,
      [ATTR_TX_STATUS]: 'success',
      [ATTR_TX_RESULT_CODE]: 'txSUCCESS',
      [ATTR_TX_ATTEMPTS]: 1,
      [ATTR_LEDGER]: outcome.ledger,
    });
    expect(submit!.status.code).not.toBe(SpanStatusCode.ERROR);

    const children = childrenOf(h.exporter, submit!);
    expect(children.map((s) => s.name)).toEqual([
      `${SPAN_RPC_PREFIX}sendTransaction`,
      ...Array(outcome.polls).fill(`${SPAN_RPC_PREFIX}getTransaction`),
    ]);
    expect(children[0]!.attributes).toMatchObject({
      [ATTR_RPC_METHOD]: 'sendTransaction',
      [ATTR_TX_HASH]: outcome.hash,
    });
    expect(children.every((c) => c.kind === SpanKind.CLIENT)).toBe(true);
    expect(submit!.kind).toBe(SpanKind.INTERNAL);
    expect(children.at(-1)!.attributes).toMatchObject({ [ATTR_LEDGER]: outcome.ledger });
    for (const child of children) expect(child.spanContext().traceId).toBe(submit!.spanContext().traceId);
  });

  it('never puts a secret seed into a span', async () => {
    await h.client.submitAndWait(await payment(h), { method: 'reward_payment' });
    const dump = JSON.stringify(
      h.exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
    );
    for (const account of h.sandbox.accounts) expect(dump).not.toContain(account.secret);
    expect(dump).not.toMatch(/S[A-Z2-7]{55}/);
  });
});
