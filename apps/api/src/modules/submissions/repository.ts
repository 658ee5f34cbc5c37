import type { Pool, PoolClient } from 'pg';

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

/** Locks the submission row: concurrent claims of it queue here. */
export async function lockSubmission(client: PoolClient, id: string): Promise<SubmissionRow | undefined> {
  const { rows } = await client.query<SubmissionRow>(
    'SELECT id, user_id, quiz_id, score, passed FROM submissions WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0];
}

/** Quiz ids of a course the user has passed at least once, and the course's quiz ids. */
export async function courseProgress(
  db: Pool | PoolClient,
  userId: string,
  courseId: string,
): Promise<{ quizIds: string[]; passed: string[] }> {
  const { rows } = await db.query<{ id: string; passed: boolean }>(
    `SELECT q.id, EXISTS (SELECT 1 FROM submissions s WHERE s.quiz_id = q.id AND s.user_id = $1 AND s.passed) AS passed
     FROM quizzes q WHERE q.course_id = $2 ORDER BY q.position`,
    [userId, courseId],
  );
  return { quizIds: rows.map((r) => r.id), passed: rows.filter((r) => r.passed).map((r) => r.id) };
}
