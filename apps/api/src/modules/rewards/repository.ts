import type { PoolClient } from 'pg';
import type { JobRow } from '../../stellar/onchain-jobs';

/** A reward claim: a job row (typed by status) with its submission, quiz and amount. */
export type ClaimRow = JobRow & {
  submission_id: string;
  /** Null only on duplicate claims made before migration 003. */
  quiz_id: string | null;
  /** XLM, numeric as text. */
  amount: string;
};

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

/**
 * Inserts the claim unless the submission or the learner's quiz already has
 * one (`UNIQUE (submission_id)`, `UNIQUE (user_id, quiz_id)`: a concurrent
 * insert waits for the other's commit, then conflicts). Returns the new row,
 * the submission's existing claim, or the other claim of the same quiz.
 */
export async function insertClaim(
  client: PoolClient,
  input: {
    submissionId: string;
    quizId: string;
    userId: string;
    destination: string;
    amount: string;
    traceId: string | null;
    ip: string;
    userAgent: string | null;
  },
): Promise<{ row: ClaimRow; outcome: 'created' | 'existing' | 'quiz_already_claimed' }> {
  const inserted = await client.query<ClaimRow>(
    `INSERT INTO reward_claims
       (submission_id, quiz_id, user_id, destination, amount, status, trace_id, request_ip, request_user_agent)
     VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $8) ON CONFLICT DO NOTHING RETURNING *`,
    [
      input.submissionId,
      input.quizId,
      input.userId,
      input.destination,
      input.amount,
      input.traceId,
      input.ip,
      input.userAgent,
    ],
  );
  if (inserted.rows[0]) return { row: inserted.rows[0], outcome: 'created' };
  // `same_submission` compares as uuid in PostgreSQL: a client's upper-case spelling of its own
  // submission id is the same submission (a string comparison in JS called it farming).
  const { rows } = await client.query<ClaimRow & { same_submission: boolean }>(
    `SELECT *, (submission_id = $1) AS same_submission FROM reward_claims
     WHERE submission_id = $1 OR (user_id = $2 AND quiz_id = $3)
     ORDER BY same_submission DESC LIMIT 1`,
    [input.submissionId, input.userId, input.quizId],
  );
  const found = rows[0];
  // The insert conflicted with one of these two rows, and rows are never deleted.
  if (!found) throw new Error(`claim of submission ${input.submissionId} conflicted but was not found`);
  const { same_submission, ...row } = found;
  return { row, outcome: same_submission ? 'existing' : 'quiz_already_claimed' };
}
