import type { PoolClient } from 'pg';
import type { JobRow } from './onchain-jobs';

/**
 * Puts a failed or expired job back to `requested` (the caller asked again).
 * Safe: neither outcome moved anything on the ledger, and the row lock the
 * caller holds keeps concurrent requests out. Returns the row when requeued.
 */
export async function requeueSettledFailure<T extends JobRow>(
  client: PoolClient,
  table: 'reward_claims' | 'credentials',
  id: string,
): Promise<T | undefined> {
  const { rows } = await client.query<T>(
    `UPDATE ${table} SET status = 'requested', attempts = 0, updated_at = now()
     WHERE id = $1 AND status IN ('failed', 'expired') RETURNING *`,
    [id],
  );
  return rows[0];
}
