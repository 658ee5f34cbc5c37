import { ERROR_CODES, SPAN_WAIT } from '../src';
import { type Harness, payment, sample, spansNamed, startHarness } from './helpers';

const UNKNOWN_HASH = 'ab'.repeat(32);

/** A reconciler resumes a persisted hash after a restart: it polls, it never sends. */
describe('waitForTransaction', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('finds a transaction that landed while nobody was waiting', async () => {
    const tx = await payment(h);
    const hash = Buffer.from(tx.hash()).toString('hex');
    await h.server.sendTransaction(tx);

    const outcome = await h.client.waitForTransaction(hash.toUpperCase(), {
      method: 'reward_payment',
      maxTime: Number(tx.timeBounds!.maxTime),
    });

    expect(outcome).toMatchObject({ status: 'success', hash, attempts: 0, resultCode: 'txSUCCESS' });
    expect(h.sandbox.sentCount(hash)).toBe(1);
    expect(spansNamed(h.exporter, SPAN_WAIT)).toHaveLength(1);
    // Counted as a resume, not as a second submission, and not timed.
    const count = (name: string, labels: Record<string, string>) => sample(h.registry, name, labels);
    const labels = { method: 'reward_payment', status: 'success' };
    expect(await count('stellar_transaction_resumes_total', labels)).toBe(1);
    expect(await count('stellar_transactions_total', labels)).toBe(0);
    expect(await count('stellar_transaction_duration_seconds_count', { method: 'reward_payment' })).toBe(0);
  });

  it('ends expired when the hash is unknown and the ledger is past the persisted maxTime', async () => {
    const now = Math.floor(Date.now() / 1000);
    const outcome = await h.client.waitForTransaction(UNKNOWN_HASH, {
      method: 'reward_payment',
      // Well before the newest closed ledger even when a loaded machine delays ledger closes (with
      // now - 1 the first ledger seen could still be older than the bound: 3 polls instead of 1).
      maxTime: String(now - 60), // as it often comes back from a database
      submittedAt: Date.now(),
    });
    expect(outcome).toMatchObject({ status: 'expired', reason: 'past_time_bound', polls: 1, attempts: 0 });
  });

  it('stays indeterminate when the RPC history does not reach back to the submission', async () => {
    const now = Math.floor(Date.now() / 1000);
    const outcome = await h.client.waitForTransaction(UNKNOWN_HASH, {
      method: 'reward_payment',
      maxTime: now - 1,
      submittedAt: Date.now() - 3_600_000,
    });
    expect(outcome).toMatchObject({ status: 'indeterminate', reason: 'outside_retention' });
  });

  it('stays indeterminate without a time bound (NOT_FOUND is not a failure)', async () => {
    const outcome = await h
      .clientWith({ maxPollDurationMs: 300 })
      .waitForTransaction(UNKNOWN_HASH, { method: 'reward_payment' });
    expect(outcome).toMatchObject({ status: 'indeterminate', reason: 'poll_timeout' });
    expect(outcome.polls).toBeGreaterThan(1);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const outcome = await h.client.waitForTransaction(UNKNOWN_HASH, {
      method: 'reward_payment',
      signal: controller.signal,
    });
    expect(outcome).toMatchObject({ status: 'indeterminate', reason: 'aborted' });
    expect(outcome.durations.totalMs).toBeLessThan(1000);
  });

  it('refuses a malformed hash with a stable code', async () => {
    await expect(h.client.waitForTransaction('not-a-hash', { method: 'reward_payment' })).rejects.toMatchObject({
      code: ERROR_CODES.INVALID_HASH,
    });
  });
});
