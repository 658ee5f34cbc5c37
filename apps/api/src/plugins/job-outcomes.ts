import fp from 'fastify-plugin';
import { createSettlementListener, type SettlementListener } from '../job-outcomes';

declare module 'fastify' {
  interface FastifyInstance {
    /** Other instances' settlements (PostgreSQL LISTEN), or undefined without a shared PostgreSQL. */
    settlements: SettlementListener | undefined;
  }
}

/**
 * `fastify.settlements`: with a shared PostgreSQL (`DATABASE_URL`), one LISTEN connection per process
 * whose notifications wake the requests waiting for the settled job (`OnchainJobs.settledElsewhere`).
 * The embedded PGlite serves one process: its own settlements wake its requests directly.
 */
export default fp(
  async (fastify) => {
    const listener =
      fastify.config.databaseUrl === undefined
        ? undefined
        : createSettlementListener({
            pool: fastify.pg,
            log: fastify.log,
            failedLevel: (error) => fastify.dbHealth.failed(error),
            onSettled: (table, id) => {
              for (const machine of fastify.onchain.machines)
                if (machine.kind.table === table) machine.settledElsewhere(id);
            },
          });
    fastify.decorate('settlements', listener);
    fastify.addHook('onClose', async () => listener?.close());
  },
  { name: 'job-outcomes', dependencies: ['config', 'db', 'onchain'] },
);
