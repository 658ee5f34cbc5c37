import type { Pool, PoolClient } from 'pg';
import type { JobRow } from '../../stellar/onchain-jobs';

export interface ClaimRow extends JobRow {
  submission_id: string;
  amount: string;
}

/** Inserts the claim unless the submission already has one; returns [row, created]. */
export async function insertClaim(
  client: PoolClient,
  input: {
    submissionId: string;
    userId: string;
    destination: string;
    amount: string;
    traceId: string | null;
    ip: string;
    userAgent: string | null;
  },
): Promise<[ClaimRow, boolean]> {
  const inserted = await client.query<ClaimRow>(
    `INSERT INTO reward_claims (submission_id, user_id, destination, amount, status, trace_id, request_ip, request_user_agent)
     VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7) ON CONFLICT (submission_id) DO NOTHING RETURNING *`,
    [input.submissionId, input.userId, input.destination, input.amount, input.traceId, input.ip, input.userAgent],
  );
  if (inserted.rows[0]) return [inserted.rows[0], true];
  const existing = await client.query<ClaimRow>('SELECT * FROM reward_claims WHERE submission_id = $1', [
    input.submissionId,
  ]);
  return [existing.rows[0]!, false];
}

export async function findClaim(db: Pool | PoolClient, id: string): Promise<ClaimRow | undefined> {
  const { rows } = await db.query<ClaimRow>('SELECT * FROM reward_claims WHERE id = $1', [id]);
  return rows[0];
}

export async function rewardAmountOf(client: PoolClient, quizId: string): Promise<string> {
  const { rows } = await client.query<{ reward_amount: string }>('SELECT reward_amount FROM quizzes WHERE id = $1', [
    quizId,
  ]);
  return rows[0]!.reward_amount;
}
