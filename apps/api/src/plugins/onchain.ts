import fp from 'fastify-plugin';
import { type JobKind, type JobRow, type JobSignals, OnchainJobs } from '../stellar/onchain-jobs';
import { isRpcUnreachable } from '../stellar/rpc-health';
import type { AppOptions } from '../types';

/** The job kinds registered so far, and how a domain module registers its own. */
export interface OnchainRegistry {
  /**
   * Creates the state machine of one job kind (a domain module calls it once, at registration) and
   * puts it under the background reconciler. Throws when the kind or one of its accounts is taken.
   */
  register<R extends JobRow>(kind: JobKind<R>): OnchainJobs<R>;
  /** Every registered machine, in registration order. */
  readonly machines: ReadonlyArray<OnchainJobs<JobRow>>;
}

declare module 'fastify' {
  interface FastifyInstance {
    stellar: AppOptions['stellar'];
    onchain: OnchainRegistry;
  }
}

/**
 * The on-chain job engine: domain modules register their job kind (reward payouts, credential
 * mints); the background reconciler resumes submitted envelopes and sends waiting jobs of every
 * registered kind (after a crash, an RPC outage, or when a channel was busy).
 */
export default fp<Pick<AppOptions, 'stellar' | 'hooks' | 'reconciler'>>(
  async (fastify, { stellar, hooks, reconciler = true }) => {
    const signals: JobSignals = {
      settled: (kind, status) => fastify.metrics.jobSettled(kind, status),
      envelopeCommitted: (kind, operations) => fastify.metrics.envelopeCommitted(kind, operations),
      operationsConfirmed: (kind, ledger, count) => fastify.metrics.operationsConfirmed(kind, ledger, count),
      channelsChanged: () => fastify.metrics.channelsChanged(),
    };
    const deps = {
      pool: fastify.pg,
      gateway: stellar.gateway,
      audit: fastify.audit,
      networkPassphrase: stellar.networkPassphrase,
      log: fastify.log,
      // Waiting requests' jobs are looked up together at the Stellar poll cadence.
      pollMs: fastify.config.stellarPollIntervalMs,
      signals,
      ...(hooks ? { hooks } : {}),
    };
    const machines: Array<OnchainJobs<JobRow>> = [];
    const accounts = new Map<string, string>();
    fastify.decorate('stellar', stellar);
    fastify.decorate<OnchainRegistry>('onchain', {
      machines,
      register<R extends JobRow>(kind: JobKind<R>) {
        if (machines.some((m) => m.kind.label === kind.label))
          throw new Error(`job kind ${kind.label} registered twice`);
        const machine = new OnchainJobs(kind, deps);
        // One sequence per source account: no two kinds may send from the same account.
        for (const key of [kind.payer.publicKey(), ...machine.channelKeys]) {
          const owner = accounts.get(key);
          if (owner && owner !== kind.label) throw new Error(`account ${key} is used by ${owner} and ${kind.label}`);
          accounts.set(key, kind.label);
        }
        machines.push(machine as unknown as OnchainJobs<JobRow>);
        return machine;
      },
    });
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const tick = () => {
      running = Promise.all(machines.map((machine) => machine.reconcileOnce()))
        .then((passes) => {
          fastify.metrics.reconcilerPass(passes.some((p) => p.waiting > 0) ? 'ok' : 'idle');
          fastify.metrics.reconcilerPassed();
        })
        .catch((error: unknown) => {
          fastify.metrics.reconcilerPass('error');
          // An RPC outage is logged once by stellar/rpc-health.ts, not per pass.
          // An RPC or database outage is logged once (stellar/rpc-health.ts, db/health.ts), not per pass.
          const level = isRpcUnreachable(error) ? 'debug' : fastify.dbHealth.failed(error);
          fastify.log[level]({ err: error }, 'reconciler pass failed; will retry');
        })
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, fastify.config.reconcileIntervalMs);
        });
    };
    // Once every module registered its kind.
    if (reconciler) {
      fastify.addHook('onReady', async () => {
        timer = setTimeout(tick, 0);
      });
    }
    fastify.addHook('onClose', async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.all(machines.map((machine) => machine.drain()));
    });
  },
  { name: 'onchain', dependencies: ['config', 'db', 'audit', 'metrics'] },
);
