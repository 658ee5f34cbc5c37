import fp from 'fastify-plugin';
import { startBalanceWatch } from '../signals/balance-watch';
import { startDbProbe } from '../signals/db-probe';
import type { AppOptions } from '../types';

/**
 * The operator's signals that need a timer: `db_up`, the on-chain job backlog and the channels'
 * in-flight state (every SIGNALS_INTERVAL_MS, and after each envelope committed or settled), and the distributor and issuer balances (every
 * BALANCE_REFRESH_INTERVAL_MS and after each payout). Stopped before the pool is ended.
 */
export default fp<Pick<AppOptions, 'stellar'>>(
  async (fastify, { stellar }) => {
    const probe = startDbProbe({
      pool: fastify.pg,
      metrics: fastify.metrics,
      intervalMs: fastify.config.signalsIntervalMs,
      log: fastify.log,
      health: fastify.dbHealth,
      // Every registered kind's transaction sources (channels, or the distributor and the issuer).
      channels: () => fastify.onchain.machines.flatMap((machine) => machine.channelKeys),
    });
    const balances = startBalanceWatch({
      gateway: stellar.gateway,
      metrics: fastify.metrics,
      accounts: {
        distributor: stellar.distributor.publicKey(),
        issuer: stellar.issuer.publicKey(),
        // The channel accounts pay the payout envelopes' fees.
        channel: stellar.channels.map((channel) => channel.publicKey()),
      },
      intervalMs: fastify.config.balanceRefreshIntervalMs,
      log: fastify.log,
    });
    // A payout (confirmed or failed: both charge the fee) changes the distributor's balance.
    const unsubscribe = fastify.metrics.onJobSettled((kind) => {
      if (kind === 'reward_payout') void balances.refresh();
    });
    // The backlog and channel gauges follow each envelope committed or settled (not one interval later).
    const unsubscribeChannels = fastify.metrics.onChannelsChanged(() => void probe.refresh());
    fastify.addHook('onClose', async () => {
      unsubscribe();
      unsubscribeChannels();
      await Promise.all([probe.stop(), balances.stop()]);
    });
  },
  { name: 'signals', dependencies: ['config', 'db', 'metrics', 'onchain'] },
);
