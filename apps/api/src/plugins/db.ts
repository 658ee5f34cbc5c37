import fp from 'fastify-plugin';
import type { Pool } from 'pg';

declare module 'fastify' {
  interface FastifyInstance {
    pg: Pool;
  }
}

/** Exposes the PostgreSQL pool as `fastify.pg`; the pool's owner (server.ts or a test) ends it. */
export default fp<{ pool: Pool }>(
  async (fastify, { pool }) => {
    // An idle client losing its server (PostgreSQL restarted) must not crash the process.
    pool.on('error', (error) => fastify.log.warn({ err: error }, 'idle PostgreSQL client error'));
    fastify.decorate('pg', pool);
  },
  { name: 'db' },
);
