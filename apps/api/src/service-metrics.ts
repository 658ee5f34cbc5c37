import { auditCounterSources } from '@app/audit';
import {
  type AppMetrics,
  createMetrics,
  getOrCreateCounter,
  observePgPool,
  observeRedisClient,
  registerCounterSource,
} from '@app/metrics';
import { droppedSpanSamples, getTracingStats, LABEL_DROP_REASON, METRIC_SPANS_DROPPED } from '@app/tracing';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { amountBucket } from './amount-bucket';
import { METRIC, RATE_LIMITS, type RateLimitName } from './names';
import type { KeyValueStore } from './store/key-value';

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
  /** Live gauges: db_active_connections from the pool, redis_connected from the Redis client (0 without one). */
  observe(pool: Pool, store: KeyValueStore): () => void;
}

/** Creates the service's metrics on `registry` (a new one by default, never the global one). */
export function createServiceMetrics(registry?: Registry): ServiceMetrics {
  const app = createMetrics(registry ? { registry } : {});
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
    observe(pool, store) {
      const stops = [observePgPool(app, pool)];
      if (store.redis) stops.push(observeRedisClient(app, store.redis));
      return () => {
        for (const stop of stops) stop();
      };
    },
  };
}
