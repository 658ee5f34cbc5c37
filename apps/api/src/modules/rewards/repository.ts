import type { PoolClient } from 'pg';
import type { JobRow } from '../../stellar/onchain-jobs';

export interface ClaimRow extends JobRow {
  submission_id: string;
  amount: string;
}

export interface SubmissionToClaim {
  id: string;
  user_id: string;
  quiz_id: string;
  passed: boolean;
  /** The quiz's reward (numeric as text). */
  reward_amount: string;
}

/** Locks the submission row (concurrent claims of it queue here) and reads its quiz's reward. */
export async function lockSubmission(client: PoolClient, id: string): Promise<SubmissionToClaim | undefined> {
  const { rows } = await client.query<SubmissionToClaim>(
    `SELECT s.id, s.user_id, s.quiz_id, s.passed, q.reward_amount
     FROM submissions s JOIN quizzes q ON q.id = s.quiz_id WHERE s.id = $1 FOR UPDATE OF s`,
    [id],
  );
  return rows[0];
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
