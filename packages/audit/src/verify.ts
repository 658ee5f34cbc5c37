import { backlogOn } from './backlog';
import { CANONICAL_COLUMNS, type CanonicalRow, chainHash, GENESIS_HASH, tables } from './chain';
import { AUDIT_ERROR_CODES, AuditError } from './errors';
import { DEFAULT_UNSEALED_GRACE_SECONDS } from './names';
import { withConnection } from './sql';
import type { BrokenRow, ChainHead, Queryable, VerifyOptions, VerifyResult } from './types';

const PAGE = 5000;

type ChainRow = CanonicalRow & {
  seq: string;
  event_pk: string;
  c_txid: string;
  alg: string;
  prev_hash: string;
  hash: string;
  present: boolean;
};

type Bound = number | Date | string | undefined;

// A bound is an `audit_events.id` (integer) or a time; it maps to a chain position.
async function seqBound(client: Queryable, t: ReturnType<typeof tables>, bound: Bound, side: 'from' | 'to') {
  if (bound === undefined) return undefined;
  let column: string;
  let value: unknown;
  if (typeof bound === 'number' || (typeof bound === 'string' && /^\d+$/.test(bound))) {
    column = 'e.id';
    value = String(bound);
  } else {
    const date = bound instanceof Date ? bound : new Date(bound);
    if (Number.isNaN(date.getTime())) {
      throw new AuditError(AUDIT_ERROR_CODES.INVALID_RANGE, `--${side} must be an audit_events id or an ISO date`);
    }
    column = 'e.created_at';
    value = date;
  }
  const [agg, op] = side === 'from' ? ['min', '>='] : ['max', '<='];
  const { rows } = await client.query(
    `SELECT ${agg}(c.seq)::text AS seq FROM ${t.chain} c JOIN ${t.events} e ON e.id = c.event_pk WHERE ${column} ${op} $1`,
    [value],
  );
  const seq = (rows[0] as { seq: string | null }).seq;
  return seq === null ? (side === 'from' ? Number.MAX_SAFE_INTEGER : 0) : Number(seq);
}

function broken(seq: number | null, row: Partial<ChainRow> | null, reason: string): BrokenRow {
  return {
    seq: seq ?? 0,
    id: row?.event_pk ? Number(row.event_pk) : row?.id ? Number(row.id) : null,
    eventId: row?.event_id ?? null,
    reason,
  };
}

/**
 * Recomputes the hash chain and reports the first broken row: a changed,
 * deleted, inserted or reordered sealed event, a gap in the chain, or a head
 * that differs from `anchor`. Rows not sealed yet are counted, not checked;
 * `ok` is also false when some stayed unsealed longer than `graceSeconds`
 * (default 60: the sealer is not running or is held back) — `pastGrace` and
 * `oldestUnsealed` say which.
 * Read-only: it can run under a role with SELECT only.
 */
export async function verifyAuditChain(target: Queryable, options: VerifyOptions = {}): Promise<VerifyResult> {
  const t = tables(options.schema);
  return withConnection(target, async (client) => {
    // One snapshot for the whole check, so a sealer running meanwhile changes nothing we read.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const result = await check(client, t, options);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

async function check(client: Queryable, t: ReturnType<typeof tables>, options: VerifyOptions): Promise<VerifyResult> {
  const { rows: headRows } = await client.query(
    `SELECT seq::text, hash, txid::text, event_pk::text FROM ${t.chain} c ORDER BY c.seq DESC LIMIT 1`,
  );
  const headRow = headRows[0] as { seq: string; hash: string; txid: string; event_pk: string } | undefined;
  const head: ChainHead | null = headRow ? { seq: Number(headRow.seq), hash: headRow.hash } : null;
  const watermark = headRow ? [headRow.txid, headRow.event_pk] : ['0', '0'];
  const graceSeconds = options.graceSeconds ?? DEFAULT_UNSEALED_GRACE_SECONDS;
  if (!(graceSeconds >= 0)) {
    throw new AuditError(AUDIT_ERROR_CODES.INVALID_RANGE, 'graceSeconds must be a non-negative number of seconds');
  }
  const backlog = await backlogOn(client, t, graceSeconds);
  const done = (firstBroken: BrokenRow | null, checked: number): VerifyResult => ({
    ok: firstBroken === null && backlog.pastGrace === 0,
    checked,
    unsealed: backlog.unsealed,
    pastGrace: backlog.pastGrace,
    graceSeconds,
    oldestUnsealed: backlog.oldest,
    head,
    firstBroken,
  });

  const fromSeq = Math.max(1, (await seqBound(client, t, options.from, 'from')) ?? 1);
  const toSeq = Math.min(head?.seq ?? 0, (await seqBound(client, t, options.to, 'to')) ?? Number.MAX_SAFE_INTEGER);
  let prev = GENESIS_HASH;
  if (fromSeq > 1 && fromSeq <= toSeq) {
    const { rows } = await client.query(`SELECT hash FROM ${t.chain} WHERE seq = $1`, [fromSeq - 1]);
    const row = rows[0] as { hash: string } | undefined;
    if (!row) return done(broken(fromSeq - 1, null, 'chain row missing (gap in the chain)'), 0);
    prev = row.hash;
  }

  let checked = 0;
  let expected = fromSeq;
  while (expected <= toSeq) {
    const { rows } = await client.query(
      `SELECT c.seq::text, c.event_pk::text, c.txid::text AS c_txid, c.alg, c.prev_hash, c.hash,
              e.id IS NOT NULL AS present, ${CANONICAL_COLUMNS}
         FROM ${t.chain} c LEFT JOIN ${t.events} e ON e.id = c.event_pk
        WHERE c.seq >= $1 AND c.seq <= $2 ORDER BY c.seq LIMIT ${PAGE}`,
      [expected, toSeq],
    );
    if (rows.length === 0) return done(broken(expected, null, 'chain row missing (gap in the chain)'), checked);
    for (const row of rows as ChainRow[]) {
      const seq = Number(row.seq);
      if (seq !== expected) return done(broken(expected, null, 'chain row missing (gap in the chain)'), checked);
      if (!row.present) return done(broken(seq, row, 'event row missing (deleted after sealing)'), checked);
      if (row.alg === 'hmac-sha256' && options.key === undefined) {
        throw new AuditError(AUDIT_ERROR_CODES.KEY_MISMATCH, 'the chain is sealed with an HMAC key; pass the key');
      }
      if (options.key !== undefined && row.alg !== 'hmac-sha256') {
        return done(broken(seq, row, 'row not sealed with the HMAC key'), checked);
      }
      if (row.prev_hash !== prev) return done(broken(seq, row, 'prev_hash does not match the previous row'), checked);
      if (chainHash(prev, seq, row, options.key) !== row.hash) {
        return done(broken(seq, row, 'hash mismatch: the event row was changed after sealing'), checked);
      }
      prev = row.hash;
      expected = seq + 1;
      checked++;
    }
  }

  // A row below the watermark that is not in the chain was added (or re-keyed) behind the sealer's back.
  if (options.from === undefined && options.to === undefined) {
    const { rows } = await client.query(
      `SELECT e.id::text, e.event_id::text FROM ${t.events} e
        WHERE (e.txid, e.id) <= ($1::xid8, $2::bigint)
          AND NOT EXISTS (SELECT 1 FROM ${t.chain} c WHERE c.event_pk = e.id)
        ORDER BY e.txid, e.id LIMIT 1`,
      watermark,
    );
    const row = rows[0] as { id: string; event_id: string } | undefined;
    if (row)
      return done(
        broken(null, row as Partial<ChainRow>, 'event row not in the chain (inserted behind the sealer)'),
        checked,
      );
  }

  if (options.anchor) {
    const { rows } = await client.query(`SELECT hash FROM ${t.chain} WHERE seq = $1`, [options.anchor.seq]);
    const row = rows[0] as { hash: string } | undefined;
    if (!row || row.hash !== options.anchor.hash) {
      return done(
        broken(options.anchor.seq, null, row ? 'hash differs from the anchor' : 'chain is shorter than the anchor'),
        checked,
      );
    }
  }
  return done(null, checked);
}
