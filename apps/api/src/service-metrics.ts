import { readFileSync } from 'node:fs';
import path from 'node:path';
import { auditCounterSources } from '@app/audit';
import {
  type AppMetrics,
  createMetrics,
  getOrCreateCounter,
  getOrCreateGauge,
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
function createOperatorMetrics(registry: Registry, pools: Set<Pool>) {
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
    balance: getOrCreateGauge<'account'>(registry, {
      name: METRIC.stellarAccountBalance,
      help: 'Native balance in XLM of the source accounts the service pays from, by account role',
      labelNames: ['account'],
      aggregator: 'max',
    }),
  };
  // Every bounded series from the first scrape, so rate() and absent() never start from nothing.
  for (const kind of LABEL_VALUES.jobKinds) {
    for (const state of LABEL_VALUES.waitingStates) metrics.waiting.set({ kind, state }, 0);
    for (const status of LABEL_VALUES.settledStatuses) metrics.settled.inc({ kind, status }, 0);
    metrics.oldest.set({ kind }, 0);
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
  const ops = createOperatorMetrics(app.registry, pools);
  const settledListeners = new Set<(kind: JobKindLabel, status: string) => void>();
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
    jobBacklog({ kind, waiting, oldestAgeSeconds }) {
      for (const state of LABEL_VALUES.waitingStates) ops.waiting.set({ kind, state }, waiting[state] ?? 0);
      ops.oldest.set({ kind }, oldestAgeSeconds);
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
