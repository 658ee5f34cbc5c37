import fp from 'fastify-plugin';
import { credentialJobKind } from '../modules/credentials/job';
import { rewardJobKind } from '../modules/rewards/job';
import type { JobKindLabel } from '../names';
import { OnchainJobs } from '../stellar/onchain-jobs';
import { isRpcUnreachable } from '../stellar/rpc-health';
import type { AppOptions } from '../types';

declare module 'fastify' {
  interface FastifyInstance {
    stellar: AppOptions['stellar'];
    jobs: { rewards: OnchainJobs; credentials: OnchainJobs };
  }
}

/**
 * The reward-payout and credential-mint state machines, and the background
 * reconciler that resumes requested/submitted rows (after a crash, an RPC
 * outage, or when another envelope of the same source was in flight).
 */
export default fp<Pick<AppOptions, 'stellar' | 'hooks' | 'reconciler'>>(
  async (fastify, { stellar, hooks, reconciler = true }) => {
    const deps = {
      pool: fastify.pg,
      gateway: stellar.gateway,
      audit: fastify.audit,
      networkPassphrase: stellar.networkPassphrase,
      log: fastify.log,
      onSettled: (method: string, status: 'confirmed' | 'failed' | 'expired') =>
        fastify.metrics.jobSettled(method as JobKindLabel, status),
      ...(hooks ? { hooks } : {}),
    };
    const timeout = fastify.config.txTimeoutSeconds;
    const jobs = {
      rewards: new OnchainJobs(rewardJobKind(stellar, fastify.metrics, timeout), deps),
      credentials: new OnchainJobs(credentialJobKind(stellar, fastify.metrics, timeout), deps),
    };
    fastify.decorate('stellar', stellar);
    fastify.decorate('jobs', jobs);
    if (!reconciler) return;
    let stopped = false;
    let running: Promise<unknown> = Promise.resolve();
    const tick = () => {
      running = Promise.all([jobs.rewards.reconcileOnce(), jobs.credentials.reconcileOnce()])
        .then(([rewards, credentials]) =>
          fastify.metrics.reconcilerPass(rewards.waiting + credentials.waiting > 0 ? 'ok' : 'idle'),
        )
        .catch((error: unknown) => {
          fastify.metrics.reconcilerPass('error');
          fastify.log[isRpcUnreachable(error) ? 'debug' : 'warn']({ err: error }, 'reconciler pass failed; will retry');
        })
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, fastify.config.reconcileIntervalMs);
        });
    };
    let timer = setTimeout(tick, 0);
    fastify.addHook('onClose', async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.all([jobs.rewards.drain(), jobs.credentials.drain()]);
    });
  },
  { name: 'onchain', dependencies: ['config', 'db', 'audit', 'metrics'] },
);
