import { createMetrics, timeAsync } from '../src';

describe('timeAsync', () => {
  it('observes the duration of resolved and rejected operations and passes results through', async () => {
    const metrics = createMetrics();
    const result = await timeAsync(metrics.stellarTransactionDuration, { method: 'payment' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'hash';
    });
    expect(result).toBe('hash');
    const failure = new Error('tx_bad_seq');
    await expect(
      timeAsync(metrics.stellarTransactionDuration, { method: 'payment' }, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    const text = await metrics.registry.metrics();
    expect(text).toContain('stellar_transaction_duration_seconds_count{method="payment"} 2');
    const sum = Number(/stellar_transaction_duration_seconds_sum\{method="payment"\} (\S+)/.exec(text)?.[1]);
    expect(sum).toBeGreaterThanOrEqual(0.025);
    expect(sum).toBeLessThan(5);
  });
});
