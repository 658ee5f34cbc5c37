import { readFileSync } from 'node:fs';
import path from 'node:path';
import { auditCounterSources } from '@app/audit';
import {
  type AppMetrics,
  createMetrics,
  getOrCreateCounter,
  getOrCreateGauge,
  getOrCreateHistogram,
  observePgPool,
  observeRedisClient,
  registerCounterSource,
} from '@app/metrics';
import { droppedSpanSamples, getTracingStats, LABEL_DROP_REASON, METRIC_SPANS_DROPPED } from '@app/tracing';
import type { Pool } from 'pg';
import type { Gauge, Registry } from 'prom-client';
import { amountBucket } from './amount-bucket';
import {
  type AccountLabel,
  BUCKETS,
  type JobKindLabel,
  LABEL_VALUES,
  METRIC,
  RATE_LIMITS,
  type RateLimitName,
  type ReconcilerOutcome,
} from './names';
import type { KeyValueStore } from './store/key-value';

/** Waiting jobs of one kind, as the periodic backlog query reads them. */
export interface JobBacklog {
  kind: JobKindLabel;
  /** Jobs per waiting state (missing states count 0). */
  waiting: Partial<Record<'requested' | 'submitted', number>>;
  /** Seconds since the oldest waiting job was created; 0 when none waits. */
  oldestAgeSeconds: number;
  /** Envelopes of this kind held `indeterminate` (onchain_envelopes_indeterminate); unchanged when omitted. */
  indeterminateEnvelopes?: number;
}

/**
 * The service's metrics: @app/metrics' generic set plus the learn-to-earn counters
 * (quizzes_completed_total, reward_claims_total, credentials_minted_total) and auth_attempts_total,
 * behind intent-named methods.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** The shared metric set (HTTP, Stellar, live gauges). */
  readonly app: AppMetrics;
  quizCompleted(passed: boolean): void;
  claimSettled(status: string, amount: string): void;
  credentialMinted(courseId: string): void;
  authAttempt(result: 'success' | 'failure', reason: string): void;
  /** A claim refused (`reward_claims_rejected_total{reason}`). */
  claimRejected(reason: 'already_claimed'): void;
  /** A request refused by a rate limit (`rate_limit_exceeded_total{limit}`). */
  rateLimited(limit: RateLimitName): void;
  /** onchain_jobs_settled_total{kind,status}, then the listeners (e.g. a balance refresh after a payout). */
  jobSettled(kind: JobKindLabel, status: 'confirmed' | 'failed' | 'expired'): void;
  /** Adds a listener called after each settled job; returns a function that removes it. */
  onJobSettled(listener: (kind: JobKindLabel, status: string) => void): () => void;
  /** onchain_reconciler_passes_total{outcome}. */
  reconcilerPass(outcome: ReconcilerOutcome): void;
  /** An envelope of `operations` operations committed (onchain_batch_operations{kind}). */
  envelopeCommitted(kind: JobKindLabel, operations: number): void;
  /**
   * `count` operations confirmed in `ledger`: onchain_operations_confirmed_total{kind}, and the
   * ledger's tally for onchain_operations_per_ledger{kind} (observed once a later ledger's
   * settlement arrives, or at the second reconciler pass after it). Per instance.
   */
  operationsConfirmed(kind: JobKindLabel, ledger: number, count: number): void;
  /** A reconciler pass ended: observes the per-ledger tallies older than the previous pass. */
  reconcilerPassed(): void;
  /** A channel may have gained or lost its in-flight envelope: calls the listeners (the signals plugin re-reads the state). */
  channelsChanged(): void;
  onChannelsChanged(listener: () => void): () => void;
  /**
   * onchain_channel_in_flight{channel} and onchain_channel_in_flight_age_seconds{channel}: `since` is
   * when the channel's in-flight envelope committed (undefined when idle). Channels missing from
   * `states` are dropped.
   */
  channelState(states: ReadonlyArray<{ channel: string; since: Date | undefined; setAside?: boolean }>): void;
  /** Sets onchain_jobs_waiting and onchain_job_oldest_waiting_age_seconds for one kind. */
  jobBacklog(backlog: JobBacklog): void;
  /** db_up: 1 when the database answered the last periodic check, else 0. */
  databaseUp(up: boolean): void;
  /** stellar_rpc_up: 0 while the Stellar RPC is unreachable, else 1. */
  stellarRpcUp(up: boolean): void;
  /** stellar_account_balance_xlm{account}. */
  accountBalance(account: AccountLabel, xlm: number): void;
  /** Live gauges: db_active_connections and db_pool_connections from the pool, redis_connected from the Redis client (0 without one). */
  observe(pool: Pool, store: KeyValueStore): () => void;
}

/** Options of {@link createServiceMetrics}. */
export interface ServiceMetricsOptions {
  /** Registry to use; default: a new one (never prom-client's global one). */
  registry?: Registry;
  /** prom-client's process and Node.js metrics (`process_*`, `nodejs_*`). Default: true (`PROCESS_METRICS=off` turns them off). */
  processMetrics?: boolean;
}

/** The service's version from its package.json (src/ and dist/ are both one level below it). */
function serviceVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The operator's gauges and counters (build, database, on-chain backlog, balances) on `registry`. */
function createOperatorMetrics(
  registry: Registry,
  pools: Set<Pool>,
  /** Each channel's in-flight envelope committed-at (ms since epoch), undefined when idle. */
  channelSince: () => ReadonlyMap<string, number | undefined>,
) {
  const buildInfo = getOrCreateGauge<'version' | 'node_version'>(registry, {
    name: METRIC.buildInfo,
    help: 'Always 1; labelled with the service version and the Node.js version',
    labelNames: ['version', 'node_version'],
    // Cluster (src/cluster.ts): every worker says 1; the merged value stays 1.
    aggregator: 'max',
  });
  buildInfo.set({ version: serviceVersion(), node_version: process.version }, 1);
  getOrCreateGauge<'state'>(registry, {
    name: METRIC.dbPoolConnections,
    help: 'Connections of the PostgreSQL pool by state: total (open), idle, waiting (clients queued for a connection)',
    labelNames: ['state'],
    collect(this: Gauge<'state'>) {
      let total = 0;
      let idle = 0;
      let waiting = 0;
      for (const pool of pools) {
        total += pool.totalCount;
        idle += pool.idleCount;
        waiting += pool.waitingCount;
      }
      this.set({ state: 'total' }, total);
      this.set({ state: 'idle' }, idle);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  const metrics = {
    dbUp: getOrCreateGauge(registry, {
      name: METRIC.dbUp,
      help: 'Whether PostgreSQL answered the last periodic SELECT 1 within its timeout (1) or not (0)',
      // Cluster: 0 as soon as one worker cannot reach PostgreSQL.
      aggregator: 'min',
    }),
    rpcUp: getOrCreateGauge(registry, {
      name: METRIC.stellarRpcUp,
      help: 'Whether the Stellar RPC is reachable (1) or not (0: from the first failed call until a getHealth probe or a call succeeds)',
      // Cluster: 0 as soon as one worker cannot reach the RPC.
      aggregator: 'min',
    }),
    waiting: getOrCreateGauge<'kind' | 'state'>(registry, {
      name: METRIC.onchainJobsWaiting,
      help: 'On-chain jobs not settled yet, by kind and state (requested: no envelope in flight; submitted: sent, outcome unknown)',
      labelNames: ['kind', 'state'],
      // Cluster: read from the shared database, the same in every worker; summing would count it N times.
      aggregator: 'max',
    }),
    indeterminate: getOrCreateGauge<'kind'>(registry, {
      name: METRIC.onchainEnvelopesIndeterminate,
      help: 'Envelopes held indeterminate, by kind: past their time bound, unknown to the Stellar RPC (outside its history window) and not provably unapplied; their jobs wait for an operator',
      labelNames: ['kind'],
      // Cluster: read from the shared database, the same in every worker.
      aggregator: 'max',
    }),
    oldest: getOrCreateGauge<'kind'>(registry, {
      name: METRIC.onchainJobOldestWaitingAge,
      help: 'Seconds since the oldest waiting on-chain job was created, by kind (0 when none waits)',
      labelNames: ['kind'],
      aggregator: 'max',
    }),
    passes: getOrCreateCounter<'outcome'>(registry, {
      name: METRIC.onchainReconcilerPasses,
      help: 'Reconciler passes by outcome: ok (had waiting jobs), idle (none), error (the pass failed)',
      labelNames: ['outcome'],
    }),
    settled: getOrCreateCounter<'kind' | 'status'>(registry, {
      name: METRIC.onchainJobsSettled,
      help: 'On-chain jobs settled, by kind and final status (confirmed, failed, expired)',
      labelNames: ['kind', 'status'],
    }),
    batchOperations: getOrCreateHistogram<'kind'>(registry, {
      name: METRIC.onchainBatchOperations,
      help: 'Operations in each envelope committed, by kind (one job per operation)',
      labelNames: ['kind'],
      buckets: [...BUCKETS.batchOperations],
    }),
    perLedger: getOrCreateHistogram<'kind'>(registry, {
      name: METRIC.onchainOperationsPerLedger,
      help: 'Operations this instance confirmed in one ledger, by kind; one observation per ledger with confirmations (per instance: sum over instances)',
      labelNames: ['kind'],
      buckets: [...BUCKETS.operationsPerLedger],
    }),
    confirmed: getOrCreateCounter<'kind'>(registry, {
      name: METRIC.onchainOperationsConfirmed,
      help: 'On-chain operations confirmed, by kind (payments and account creations, mints)',
      labelNames: ['kind'],
    }),
    inFlight: getOrCreateGauge<'channel'>(registry, {
      name: METRIC.onchainChannelInFlight,
      help: 'Whether the channel account (transaction source) has a submitted, unsettled envelope (1) or not (0)',
      labelNames: ['channel'],
      // Cluster: read from the shared database, the same in every worker.
      aggregator: 'max',
    }),
    setAside: getOrCreateGauge<'channel'>(registry, {
      name: METRIC.onchainChannelSetAside,
      help: 'Whether the channel account is set aside (1: it could not pay for its envelope, e.g. txINSUFFICIENT_BALANCE; no envelope is built on it meanwhile) or not (0)',
      labelNames: ['channel'],
      // Cluster: read from the shared database, the same in every worker.
      aggregator: 'max',
    }),
    inFlightAge: getOrCreateGauge<'channel'>(registry, {
      name: METRIC.onchainChannelInFlightAge,
      help: 'Seconds since the in-flight envelope of the channel account was committed (0 when idle)',
      labelNames: ['channel'],
      aggregator: 'max',
      // Computed at scrape from the last read of the in-flight envelopes, so the age keeps growing between reads.
      collect(this: Gauge<'channel'>) {
        const now = Date.now();
        for (const [channel, since] of channelSince()) {
          this.set({ channel }, since === undefined ? 0 : Math.max(0, (now - since) / 1000));
        }
      },
    }),
    balance: getOrCreateGauge<'account'>(registry, {
      name: METRIC.stellarAccountBalance,
      help: 'Native balance in XLM of the source accounts the service pays from, by account role (channel: the lowest channel account)',
      labelNames: ['account'],
      // Cluster: each worker reads the ledger at its own times (every BALANCE_REFRESH_INTERVAL_MS and
      // after each of ITS payouts), so workers disagree between reads. Between reads a balance only
      // falls (payouts, fees), so the lowest worker value is the freshest; `max` was the stalest.
      // After a top-up the merged value rises once every worker has read again (≤ the interval).
      aggregator: 'min',
    }),
  };
  // Every bounded series from the first scrape, so rate() and absent() never start from nothing.
  for (const kind of LABEL_VALUES.jobKinds) {
    for (const state of LABEL_VALUES.waitingStates) metrics.waiting.set({ kind, state }, 0);
    for (const status of LABEL_VALUES.settledStatuses) metrics.settled.inc({ kind, status }, 0);
    metrics.oldest.set({ kind }, 0);
    metrics.indeterminate.set({ kind }, 0);
    metrics.confirmed.inc({ kind }, 0);
    metrics.batchOperations.zero({ kind });
    metrics.perLedger.zero({ kind });
  }
  for (const outcome of LABEL_VALUES.reconcilerOutcomes) metrics.passes.inc({ outcome }, 0);
  return metrics;
}

/** Creates the service's metrics on `options.registry` (a new one by default, never the global one). */
export function createServiceMetrics(options: ServiceMetricsOptions = {}): ServiceMetrics {
  const app = createMetrics({
    ...(options.registry ? { registry: options.registry } : {}),
    collectDefaultMetrics: options.processMetrics ?? true,
  });
  const pools = new Set<Pool>();
  /** Committed-at of each channel's in-flight envelope (ms), read at scrape for the age gauge. */
  let channelSince = new Map<string, number | undefined>();
  const ops = createOperatorMetrics(app.registry, pools, () => channelSince);
  const settledListeners = new Set<(kind: JobKindLabel, status: string) => void>();
  const channelListeners = new Set<() => void>();
  /** Per kind: confirmed operations per ledger not observed yet, and the reconciler pass count when each tally started. */
  const tallies = new Map<JobKindLabel, Map<number, { count: number; pass: number }>>();
  let passes = 0;
  const quizzes = getOrCreateCounter<'passed'>(app.registry, {
    name: METRIC.quizzesCompleted,
    help: 'Quizzes completed, by whether the learner passed.',
    labelNames: ['passed'],
  });
  const claims = getOrCreateCounter<'status' | 'amount_bucket'>(app.registry, {
    name: METRIC.rewardClaims,
    help: 'Token reward claims, by status and amount bucket.',
    labelNames: ['status', 'amount_bucket'],
  });
  const credentials = getOrCreateCounter<'course_id'>(app.registry, {
    name: METRIC.credentialsMinted,
    help: 'Course credentials minted, by course id.',
    labelNames: ['course_id'],
  });
  const auth = getOrCreateCounter<'result' | 'reason'>(app.registry, {
    name: METRIC.authAttempts,
    help: 'Authentication attempts (sign-ins, and refused bearer tokens on protected routes), by result and reason',
    labelNames: ['result', 'reason'],
  });
  const rejected = getOrCreateCounter<'reason'>(app.registry, {
    name: METRIC.rewardClaimsRejected,
    help: 'Reward claims refused, by reason (already_claimed: the learner was already rewarded for the quiz)',
    labelNames: ['reason'],
  });
  rejected.inc({ reason: 'already_claimed' }, 0);
  const limited = getOrCreateCounter<'limit'>(app.registry, {
    name: METRIC.rateLimitExceeded,
    help: 'Requests refused with 429 by a rate limit, by limit (auth, quiz_submission, reward_claim)',
    labelNames: ['limit'],
  });
  for (const limit of RATE_LIMITS) limited.inc({ limit }, 0);
  // Audit writes and failures, and spans lost on the way to the collector, next to everything else.
  registerCounterSource(app.registry, auditCounterSources.written);
  registerCounterSource(app.registry, auditCounterSources.failures);
  registerCounterSource(app.registry, {
    name: METRIC.tracingSpansExported,
    help: 'Sampled spans the exporter delivered',
    read: () => getTracingStats().exported,
  });
  registerCounterSource(app.registry, {
    name: METRIC_SPANS_DROPPED,
    help: 'Sampled spans dropped, by reason (queue_full, export_failed)',
    labelNames: [LABEL_DROP_REASON],
    read: droppedSpanSamples,
  });
  // Both label values from the first scrape, so a rate() over failed quizzes never starts from nothing.
  for (const passed of ['true', 'false']) quizzes.inc({ passed }, 0);
  return {
    registry: app.registry,
    app,
    quizCompleted: (passed) => quizzes.inc({ passed: String(passed) }),
    claimSettled: (status, amount) => claims.inc({ status, amount_bucket: amountBucket(amount) }),
    credentialMinted: (courseId) =>
      credentials.inc({ course_id: app.limitLabel(METRIC.credentialsMinted, 'course_id', courseId) }),
    authAttempt: (result, reason) => auth.inc({ result, reason }),
    claimRejected: (reason) => rejected.inc({ reason }),
    rateLimited: (limit) => limited.inc({ limit }),
    jobSettled(kind, status) {
      ops.settled.inc({ kind, status });
      for (const listener of settledListeners) listener(kind, status);
    },
    onJobSettled(listener) {
      settledListeners.add(listener);
      return () => {
        settledListeners.delete(listener);
      };
    },
    reconcilerPass: (outcome) => ops.passes.inc({ outcome }),
    envelopeCommitted: (kind, operations) => ops.batchOperations.observe({ kind }, operations),
    operationsConfirmed(kind, ledger, count) {
      ops.confirmed.inc({ kind }, count);
      const tally = tallies.get(kind) ?? new Map<number, { count: number; pass: number }>();
      tallies.set(kind, tally);
      for (const [older, { count: n }] of tally) {
        if (older < ledger) {
          ops.perLedger.observe({ kind }, n);
          tally.delete(older);
        }
      }
      const entry = tally.get(ledger) ?? { count: 0, pass: passes };
      entry.count += count;
      tally.set(ledger, entry);
    },
    reconcilerPassed() {
      // A tally started before the previous pass ended has had a whole pass for its ledger's other settlements.
      for (const [kind, tally] of tallies) {
        for (const [ledger, { count, pass }] of tally) {
          if (pass < passes) {
            ops.perLedger.observe({ kind }, count);
            tally.delete(ledger);
          }
        }
      }
      passes += 1;
    },
    channelsChanged() {
      for (const listener of channelListeners) listener();
    },
    onChannelsChanged(listener) {
      channelListeners.add(listener);
      return () => {
        channelListeners.delete(listener);
      };
    },
    channelState(states) {
      const next = new Map(states.map(({ channel, since }) => [channel, since?.getTime()]));
      for (const channel of channelSince.keys()) {
        if (!next.has(channel)) {
          ops.inFlight.remove({ channel });
          ops.inFlightAge.remove({ channel });
          ops.setAside.remove({ channel });
        }
      }
      channelSince = next;
      for (const [channel, since] of next) ops.inFlight.set({ channel }, since === undefined ? 0 : 1);
      for (const { channel, setAside } of states) ops.setAside.set({ channel }, setAside ? 1 : 0);
    },
    jobBacklog({ kind, waiting, oldestAgeSeconds, indeterminateEnvelopes }) {
      for (const state of LABEL_VALUES.waitingStates) ops.waiting.set({ kind, state }, waiting[state] ?? 0);
      ops.oldest.set({ kind }, oldestAgeSeconds);
      if (indeterminateEnvelopes !== undefined) ops.indeterminate.set({ kind }, indeterminateEnvelopes);
    },
    databaseUp: (up) => ops.dbUp.set(up ? 1 : 0),
    stellarRpcUp: (up) => ops.rpcUp.set(up ? 1 : 0),
    accountBalance: (account, xlm) => ops.balance.set({ account }, xlm),
    observe(pool, store) {
      pools.add(pool);
      const stops = [observePgPool(app, pool), () => void pools.delete(pool)];
      if (store.redis) stops.push(observeRedisClient(app, store.redis));
      return () => {
        for (const stop of stops) stop();
      };
    },
  };
}
