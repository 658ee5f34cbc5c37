import fp from 'fastify-plugin';
import type { Pool } from 'pg';
import { createDbHealth, type DbHealth } from '../db/health';

declare module 'fastify' {
  interface FastifyInstance {
    pg: Pool;
    /** PostgreSQL's reachability: one warning when it goes down, one line when it is back (db/health.ts). */
    dbHealth: DbHealth;
  }
}

/** Exposes the PostgreSQL pool as `fastify.pg` and its health as `fastify.dbHealth`; the pool's owner ends it. */
export default fp<{ pool: Pool }>(
  async (fastify, { pool }) => {
    const health = createDbHealth(pool, fastify.log, fastify.config.signalsIntervalMs);
    // An idle client losing its server (PostgreSQL restarted) must not crash the process.
    pool.on('error', (error) => fastify.log[health.failed(error)]({ err: error }, 'idle PostgreSQL client error'));
    fastify.decorate('pg', pool);
    fastify.decorate('dbHealth', health);
  },
  { name: 'db', dependencies: ['config'] },
);
