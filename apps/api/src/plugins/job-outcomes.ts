import fp from 'fastify-plugin';
import { createJobOutcomes, type JobOutcomes } from '../job-outcomes';

declare module 'fastify' {
  interface FastifyInstance {
    /** Wakes claim/mint requests waiting for their job's outcome (job-outcomes.ts). */
    jobOutcomes: JobOutcomes;
  }
}

/**
 * `fastify.jobOutcomes`: one per process. It LISTENs for other instances' settlements on a
 * dedicated PostgreSQL connection when the service runs on a shared PostgreSQL (`DATABASE_URL`);
 * the embedded PGlite serves one process, whose own settlements wake its waiters directly.
 */
export default fp(
  async (fastify) => {
    const outcomes = createJobOutcomes({
      pool: fastify.pg,
      listen: fastify.config.databaseUrl !== undefined,
      log: fastify.log,
      failedLevel: (error) => fastify.dbHealth.failed(error),
    });
    fastify.decorate('jobOutcomes', outcomes);
    fastify.addHook('onClose', async () => outcomes.close());
  },
  { name: 'job-outcomes', dependencies: ['config', 'db'] },
);
