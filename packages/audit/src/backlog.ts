import { tables } from './chain';
import { DEFAULT_UNSEALED_GRACE_SECONDS } from './names';
import { withConnection } from './sql';
import type { AuditBacklog, Queryable, UnsealedRow } from './types';

interface BacklogRow {
  n: number;
  past: number;
  id: string | null;
  event_id: string | null;
  created_at: Date | null;
  age: number | null;
}

/**
 * The rows not sealed yet — every event after the chain head's `(txid, id)` —
 * and the oldest of them (by `created_at`) with its age in seconds, measured on
 * the database clock; `pastGrace` counts those older than `graceSeconds`
 * (default `DEFAULT_UNSEALED_GRACE_SECONDS`, 60). One read-only statement; `schema` as in the other calls.
 * Cost: an index range scan over the backlog only.
 */
export async function readAuditBacklog(
  target: Queryable,
  options: { schema?: string; graceSeconds?: number } = {},
): Promise<AuditBacklog> {
  const t = tables(options.schema);
  return withConnection(target, (client) => backlogOn(client, t, options.graceSeconds));
}

/** The same, on a client already inside a transaction (verify's snapshot). */
export async function backlogOn(
  client: Queryable,
  t: ReturnType<typeof tables>,
  graceSeconds: number = DEFAULT_UNSEALED_GRACE_SECONDS,
): Promise<AuditBacklog> {
  const { rows } = await client.query(
    `WITH head AS (SELECT c.txid, c.event_pk FROM ${t.chain} c ORDER BY c.seq DESC LIMIT 1),
          pending AS (
            SELECT e.id, e.event_id, e.created_at FROM ${t.events} e
             WHERE (e.txid, e.id) > (COALESCE((SELECT txid FROM head), '0'::xid8), COALESCE((SELECT event_pk FROM head), 0))
          ),
          oldest AS (SELECT * FROM pending ORDER BY created_at, id LIMIT 1)
     SELECT (SELECT count(*)::int FROM pending) AS n,
            (SELECT count(*)::int FROM pending WHERE created_at < now() - make_interval(secs => $1::float8)) AS past, o.id::text AS id, o.event_id::text AS event_id, o.created_at,
            GREATEST(0, EXTRACT(EPOCH FROM (now() - o.created_at)))::float8 AS age
       FROM (SELECT 1) AS one LEFT JOIN oldest o ON true`,
    // Infinity (never late) as NULL: the comparison is then never true.
    [Number.isFinite(graceSeconds) ? graceSeconds : null],
  );
  const row = rows[0] as BacklogRow;
  const oldest: UnsealedRow | null =
    row.id === null
      ? null
      : { id: Number(row.id), eventId: row.event_id!, createdAt: row.created_at!, ageSeconds: row.age ?? 0 };
  return { unsealed: row.n, pastGrace: row.past, graceSeconds, oldest };
}
