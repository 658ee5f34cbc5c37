import type { Pool, PoolClient } from 'pg';
import type { JobRow } from '../../stellar/onchain-jobs';

export interface CredentialRow extends JobRow {
  course_id: string;
}

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
  return [existing.rows[0]!, false];
}

export async function findCredential(db: Pool | PoolClient, id: string): Promise<CredentialRow | undefined> {
  const { rows } = await db.query<CredentialRow>('SELECT * FROM credentials WHERE id = $1', [id]);
  return rows[0];
}

/** Serialises credential requests of one user (row lock on the user). */
export async function lockUser(client: PoolClient, userId: string): Promise<void> {
  await client.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
}
