import {
  COUNTER_EVENTS_WRITTEN,
  COUNTER_SEAL_FAILURES,
  COUNTER_WRITE_FAILURES,
  GAUGE_OLDEST_UNSEALED_AGE,
  GAUGE_SEAL_LAST_SUCCESS,
  GAUGE_UNSEALED_ROWS,
  LABEL_SINK,
} from './names';
import type { AuditSealer, AuditStats, CounterSource, GaugeSource } from './types';

// Process-wide, like prom-client's default registry would be: every writer adds here.
const stats: AuditStats = {
  written: { postgres: 0, log: 0 },
  failures: { postgres: 0, log: 0, validation: 0 },
};

export function countWritten(sink: keyof AuditStats['written']): void {
  stats.written[sink]++;
}

export function countFailure(sink: keyof AuditStats['failures']): void {
  stats.failures[sink]++;
}

/** A copy of the counts of events written and of write failures in this process. */
export function getAuditStats(): AuditStats {
  return { written: { ...stats.written }, failures: { ...stats.failures } };
}

function rows(counts: Record<string, number>): { labels: Record<string, string>; value: number }[] {
  return Object.entries(counts).map(([sink, value]) => ({ labels: { [LABEL_SINK]: sink }, value }));
}

/**
 * The two counters in the shape `@app/metrics` reads at scrape time:
 * `registerCounterSource(registry, auditCounterSources.written)`.
 */
export const auditCounterSources: { written: CounterSource; failures: CounterSource } = {
  written: {
    name: COUNTER_EVENTS_WRITTEN,
    help: 'Audit events written, by sink (postgres: row inserted in the caller transaction; log: line written).',
    labelNames: [LABEL_SINK],
    read: () => rows(stats.written),
  },
  failures: {
    name: COUNTER_WRITE_FAILURES,
    help: 'Audit writes that failed, by sink (validation: malformed event; postgres: insert failed; log: logger threw).',
    labelNames: [LABEL_SINK],
    read: () => rows(stats.failures),
  },
};

/**
 * Sealing health of a running sealer in the shapes `@app/metrics` reads at scrape time
 * (`registerCounterSource` for `failures`; a gauge with a `collect()` reading `read()` for the others):
 *
 * - `audit_unsealed_rows` — rows after the chain head (the database's backlog, the same on every instance);
 * - `audit_oldest_unsealed_age_seconds` — age of the oldest of them (0 when none);
 * - `audit_seal_last_success_timestamp_seconds` — Unix time this instance last completed a pass (0 before);
 * - `audit_seal_failures_total` — passes of this instance that failed.
 */
export function auditSealerSources(sealer: AuditSealer): {
  unsealedRows: GaugeSource;
  oldestUnsealedAge: GaugeSource;
  lastSuccess: GaugeSource;
  failures: CounterSource;
} {
  return {
    unsealedRows: {
      name: GAUGE_UNSEALED_ROWS,
      help: 'Audit rows not sealed into the hash chain yet, read after each sealing pass.',
      read: () => Math.max(0, sealer.health().unsealedRows),
    },
    oldestUnsealedAge: {
      name: GAUGE_OLDEST_UNSEALED_AGE,
      help: 'Age in seconds of the oldest audit row not sealed yet (0 when every row is sealed).',
      read: () => sealer.health().oldestUnsealedAgeSeconds,
    },
    lastSuccess: {
      name: GAUGE_SEAL_LAST_SUCCESS,
      help: 'Unix time this instance last completed a sealing pass under the seal lock (0 before the first).',
      read: () => (sealer.health().lastSuccessAt?.getTime() ?? 0) / 1000,
    },
    failures: {
      name: COUNTER_SEAL_FAILURES,
      help: 'Sealing passes of this instance that failed (database error, seal lock wait timed out).',
      labelNames: [],
      read: () => [{ labels: {}, value: sealer.health().failures }],
    },
  };
}
