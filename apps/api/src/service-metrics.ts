import { Counter, Gauge, Registry } from 'prom-client';
import type { Pool } from 'pg';
import { METRIC } from './names';
import type { KeyValueStore } from './store/key-value';

/** The business signals the service records, on a registry the caller owns. */
export interface ServiceMetrics {
  readonly registry: Registry;
  quizCompleted(passed: boolean): void;
  claimSettled(status: string, amount: string): void;
  credentialMinted(courseId: string): void;
  authAttempt(result: 'success' | 'failure', reason: string): void;
  /** Live gauges: db_active_connections and redis_connected. */
  observe(pool: Pool, store: KeyValueStore): void;
}

function amountBucket(amount: string): string {
  const value = Number(amount);
  if (!Number.isFinite(value) || value < 0) return 'invalid';
  for (const max of [1, 10, 100, 1000, 10000]) if (value <= max) return `${max === 1 ? 0 : max / 10}-${max}`;
  return '10000+';
}

/** Creates the service's metrics on `registry` (a new one by default). */
export function createServiceMetrics(registry = new Registry()): ServiceMetrics {
  const quizzes = new Counter({
    name: 'quizzes_completed_total',
    help: 'Quiz submissions, by whether they passed',
    labelNames: ['passed'],
    registers: [registry],
  });
  const claims = new Counter({
    name: 'reward_claims_total',
    help: 'Reward claims settled, by outcome and amount range',
    labelNames: ['status', 'amount_bucket'],
    registers: [registry],
  });
  const minted = new Counter({
    name: 'credentials_minted_total',
    help: 'Course credentials minted on Stellar',
    labelNames: ['course_id'],
    registers: [registry],
  });
  const auth = new Counter({
    name: METRIC.authAttempts,
    help: 'Sign-in attempts, by result and reason',
    labelNames: ['result', 'reason'],
    registers: [registry],
  });
  let pool: Pool | undefined;
  let store: KeyValueStore | undefined;
  new Gauge({
    name: 'db_active_connections',
    help: 'PostgreSQL connections checked out of the pool',
    registers: [registry],
    collect() {
      if (pool) this.set(pool.totalCount - pool.idleCount);
    },
  });
  new Gauge({
    name: 'redis_connected',
    help: '1 when Redis is connected, 0 otherwise (0 with the in-process store)',
    registers: [registry],
    collect() {
      this.set(store?.kind === 'redis' && store.isConnected() ? 1 : 0);
    },
  });
  return {
    registry,
    quizCompleted: (passed) => quizzes.inc({ passed: String(passed) }),
    claimSettled: (status, amount) => claims.inc({ status, amount_bucket: amountBucket(amount) }),
    credentialMinted: (courseId) => minted.inc({ course_id: courseId }),
    authAttempt: (result, reason) => auth.inc({ result, reason }),
    observe(p, s) {
      pool = p;
      store = s;
    },
  };
}
