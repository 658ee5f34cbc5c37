import { COUNTER_EVENTS_WRITTEN, COUNTER_WRITE_FAILURES, LABEL_SINK } from './names';
import type { AuditStats, CounterSource } from './types';

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
