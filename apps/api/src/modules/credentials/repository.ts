import type { Pool, PoolClient } from 'pg';
import type { JobRow } from '../../stellar/onchain-jobs';

/** A credential mint: a job row (typed by status) with its course. */
export type CredentialRow = JobRow & { course_id: string };

/** Inserts the credential request unless (user, course) has one; returns [row, created]. */
export async function insertCredential(
  client: PoolClient,
  input: {
    userId: string;
    courseId: string;
    destination: string;
    traceId: string | null;
    ip: string;
    userAgent: string | null;
  },
): Promise<[CredentialRow, boolean]> {
  const inserted = await client.query<CredentialRow>(
    `INSERT INTO credentials (user_id, course_id, destination, status, trace_id, request_ip, request_user_agent)
     VALUES ($1, $2, $3, 'requested', $4, $5, $6)
     ON CONFLICT (user_id, course_id) DO NOTHING RETURNING *`,
    [input.userId, input.courseId, input.destination, input.traceId, input.ip, input.userAgent],
  );
  if (inserted.rows[0]) return [inserted.rows[0], true];
  const existing = await client.query<CredentialRow>(
    'SELECT * FROM credentials WHERE user_id = $1 AND course_id = $2',
    [input.userId, input.courseId],
  );
  const row = existing.rows[0];
  // The insert conflicted on (user_id, course_id), and rows are never deleted.
  if (!row) throw new Error(`credential of course ${input.courseId} conflicted but was not found`);
  return [row, false];
}

/** Serialises credential requests of one user (row lock on the user). */
export async function lockUser(client: PoolClient, userId: string): Promise<void> {
  await client.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
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
