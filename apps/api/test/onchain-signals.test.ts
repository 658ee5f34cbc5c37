import type { Registry } from 'prom-client';
import { createServiceMetrics } from '../src/service-metrics';

async function series(registry: Registry, name: string) {
  const metric = registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : [];
}

/** The batch and channel signals as a scrape reads them (the contract in COORD.md; real prom-client). */
describe('on-chain batch and channel signals', () => {
  it('observes each ledger once: when a later ledger settles, or at the second reconciler pass after it', async () => {
    const metrics = createServiceMetrics({ processMetrics: false });
    const perLedger = async () => {
      const values = await series(metrics.registry, 'onchain_operations_per_ledger');
      const pick = (suffix: string) =>
        values.find(
          (v) =>
            (v as { metricName?: string }).metricName === `onchain_operations_per_ledger_${suffix}` &&
            v.labels.kind === 'reward_payout',
        )?.value ?? 0;
      return { count: pick('count'), sum: pick('sum') };
    };
    metrics.operationsConfirmed('reward_payout', 5, 100);
    metrics.operationsConfirmed('reward_payout', 5, 60);
    expect(await perLedger()).toEqual({ count: 0, sum: 0 });
    // Ledger 6's first settlement closes ledger 5's tally: one observation of 160.
    metrics.operationsConfirmed('reward_payout', 6, 40);
    expect(await perLedger()).toEqual({ count: 1, sum: 160 });
    // Ledger 6 is observed by the second pass that starts after it (the first may race its settlements).
    metrics.reconcilerPassed();
    expect(await perLedger()).toEqual({ count: 1, sum: 160 });
    metrics.reconcilerPassed();
    expect(await perLedger()).toEqual({ count: 2, sum: 200 });
    metrics.reconcilerPassed();
    expect(await perLedger()).toEqual({ count: 2, sum: 200 });
    const confirmed = await series(metrics.registry, 'onchain_operations_confirmed_total');
    expect(confirmed.find((v) => v.labels.kind === 'reward_payout')?.value).toBe(200);
    expect(confirmed.find((v) => v.labels.kind === 'credential_mint')?.value).toBe(0);
  });

  it('counts operations per committed envelope in the contract buckets', async () => {
    const metrics = createServiceMetrics({ processMetrics: false });
    metrics.envelopeCommitted('reward_payout', 100);
    metrics.envelopeCommitted('reward_payout', 7);
    const text = await metrics.registry.getSingleMetricAsString('onchain_batch_operations');
    expect(text).toContain('onchain_batch_operations_bucket{le="5",kind="reward_payout"} 0');
    expect(text).toContain('onchain_batch_operations_bucket{le="10",kind="reward_payout"} 1');
    expect(text).toContain('onchain_batch_operations_bucket{le="100",kind="reward_payout"} 2');
    expect(text).toContain('onchain_batch_operations_sum{kind="reward_payout"} 107');
  });

  it('reports each channel in flight (1) or idle (0), its age growing between reads, and drops unknown channels', async () => {
    const metrics = createServiceMetrics({ processMetrics: false });
    const since = new Date(Date.now() - 90_000);
    metrics.channelState([
      { channel: 'GA_BUSY', since },
      { channel: 'GB_IDLE', since: undefined },
    ]);
    const inFlight = await series(metrics.registry, 'onchain_channel_in_flight');
    expect(Object.fromEntries(inFlight.map((v) => [v.labels.channel, v.value]))).toEqual({ GA_BUSY: 1, GB_IDLE: 0 });
    const age = Object.fromEntries(
      (await series(metrics.registry, 'onchain_channel_in_flight_age_seconds')).map((v) => [v.labels.channel, v.value]),
    );
    expect(age.GA_BUSY).toBeGreaterThanOrEqual(90);
    expect(age.GB_IDLE).toBe(0);
    metrics.channelState([{ channel: 'GB_IDLE', since: undefined }]);
    expect((await series(metrics.registry, 'onchain_channel_in_flight')).map((v) => v.labels.channel)).toEqual([
      'GB_IDLE',
    ]);
    expect(
      (await series(metrics.registry, 'onchain_channel_in_flight_age_seconds')).map((v) => v.labels.channel),
    ).toEqual(['GB_IDLE']);
  });
});
