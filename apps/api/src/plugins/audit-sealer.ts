import { type AuditSealer, auditSealerSources, startAuditSealer } from '@app/audit';
import { getOrCreateGauge, registerCounterSource } from '@app/metrics';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The audit sealer of this instance (`@app/audit`): chains committed audit rows every AUDIT_SEAL_INTERVAL_MS. */
    auditSealer: AuditSealer;
  }
}

/**
 * Runs `@app/audit`'s sealer on every instance (its advisory lock keeps one
 * pass active at a time), exposes its health on the service's registry —
 * `audit_unsealed_rows`, `audit_oldest_unsealed_age_seconds`,
 * `audit_seal_last_success_timestamp_seconds`, `audit_seal_failures_total` —
 * and seals once more on close. Registered before `onchain`, so its onClose
 * runs after the job engine drained (Fastify closes in reverse order) and the
 * last pass covers the jobs' final events.
 */
export default fp(
  async (fastify) => {
    const { auditSealIntervalMs, auditChainKey } = fastify.config;
    const sealer = startAuditSealer(fastify.pg, {
      intervalMs: auditSealIntervalMs,
      ...(auditChainKey ? { key: auditChainKey } : {}),
      logger: fastify.log,
      onError: (error) =>
        fastify.log[fastify.dbHealth.failed(error)]({ err: error }, 'audit sealing pass failed; will retry'),
    });
    const sources = auditSealerSources(sealer);
    const { registry } = fastify.metrics;
    for (const source of [sources.unsealedRows, sources.oldestUnsealedAge, sources.lastSuccess]) {
      getOrCreateGauge(registry, {
        name: source.name,
        help: source.help,
        collect() {
          this.set(source.read());
        },
      });
    }
    registerCounterSource(registry, sources.failures);
    fastify.decorate('auditSealer', sealer);
    fastify.addHook('onClose', async () => {
      const last = await sealer.stop({ seal: true });
      if (last) fastify.log.info({ sealed: last.sealed }, 'audit chain sealed at shutdown');
    });
  },
  { name: 'audit-sealer', dependencies: ['config', 'db', 'audit', 'metrics'] },
);
