import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` with one pooled connection. While the connection is checked out, pg's pool no longer
 * listens for its `error` event: a connection that drops between two queries (PostgreSQL restarted,
 * network cut) would emit an unhandled `error` and end the process. Here the error is kept, the
 * next query rejects, and the broken connection is destroyed instead of going back to the pool.
 */
export async function withClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Runs `fn` in one transaction on one pooled connection; rolls back when it throws. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
