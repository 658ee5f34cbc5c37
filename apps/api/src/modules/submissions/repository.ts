import type { PoolClient } from 'pg';

export interface SubmissionRow {
  id: string;
  user_id: string;
  quiz_id: string;
  score: number;
  passed: boolean;
}

export async function insertSubmission(
  client: PoolClient,
  input: { userId: string; quizId: string; answers: Record<string, number>; score: number; passed: boolean },
): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    'INSERT INTO submissions (user_id, quiz_id, answers, score, passed) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [input.userId, input.quizId, JSON.stringify(input.answers), input.score, input.passed],
  );
  return rows[0]!.id;
}
