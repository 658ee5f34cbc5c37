import type { PoolClient } from 'pg';
import type { RequestContext } from '../audit-port';
import type { JobRow } from './onchain-jobs';

/**
 * Puts a failed or expired job back to `requested` (the caller asked again).
 * Safe: neither outcome moved anything on the ledger, and the row lock the
 * caller holds keeps concurrent requests out. The new request's client becomes
 * the job's (`request_ip`, `request_user_agent`). Returns the row when requeued.
 */
export async function requeueSettledFailure<T extends JobRow>(
  client: PoolClient,
  table: 'reward_claims' | 'credentials',
  id: string,
  requester: RequestContext,
): Promise<T | undefined> {
  const { rows } = await client.query<T>(
    `UPDATE ${table} SET status = 'requested', attempts = 0, updated_at = now(), request_ip = $2, request_user_agent = $3
     WHERE id = $1 AND status IN ('failed', 'expired') RETURNING *`,
    [id, requester.ip, requester.userAgent],
  );
  return rows[0];
}
