import { readAuditBacklog } from './backlog';
import { CANONICAL_COLUMNS, type CanonicalRow, chainAlg, chainHash, GENESIS_HASH, tables } from './chain';
import { LOG_DATASETS, LOG_FIELDS } from './log-fields';
import { DEFAULT_UNSEALED_GRACE_SECONDS, LOCK_SEAL } from './names';
import { currentSchema, withConnection } from './sql';
import type { AuditSealer, ChainHead, Queryable, SealerHealth, SealerOptions, SealOptions, SealResult } from './types';

interface Head {
  seq: number;
  hash: string;
  txid: string;
  eventPk: string;
}

async function readHead(client: Queryable, chain: string): Promise<Head> {
  const { rows } = await client.query(
    `SELECT seq::text, hash, txid::text, event_pk::text FROM ${chain} c ORDER BY c.seq DESC LIMIT 1`,
  );
  const row = rows[0] as { seq: string; hash: string; txid: string; event_pk: string } | undefined;
  if (!row) return { seq: 0, hash: GENESIS_HASH, txid: '0', eventPk: '0' };
  return { seq: Number(row.seq), hash: row.hash, txid: row.txid, eventPk: row.event_pk };
}

/**
 * Chains every event whose transaction has ended, in (txid, id) order. Rows
 * are only taken below the snapshot's xmin — no running transaction can still
 * add a row there — so the order never changes once sealed and writers never
 * wait for the sealer. One sealer at a time per schema (advisory lock).
 */
export async function sealAuditChain(target: Queryable, options: SealOptions = {}): Promise<SealResult> {
  const batchSize = options.batchSize ?? 1000;
  const alg = chainAlg(options.key);
  return withConnection(target, async (client) => {
    const schema = options.schema ?? (await currentSchema(client));
    const { events, chain } = tables(options.schema);
    await client.query('BEGIN');
    try {
      if (!options.skipIfBusy && options.lockTimeoutMs !== undefined) {
        // SET LOCAL takes no parameters; the value is an integer we format ourselves.
        await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs))}`);
      }
      const lock = options.skipIfBusy ? 'pg_try_advisory_xact_lock' : 'pg_advisory_xact_lock';
      const { rows: locked } = await client.query(`SELECT ${lock}(hashtext($1)) AS ok`, [LOCK_SEAL + schema]);
      if (options.skipIfBusy && (locked[0] as { ok: boolean }).ok === false) {
        await client.query('ROLLBACK');
        return { sealed: 0, head: null, busy: true };
      }
      const head = await readHead(client, chain);
      let sealed = 0;
      for (;;) {
        const { rows } = await client.query(
          `SELECT ${CANONICAL_COLUMNS} FROM ${events} e
            WHERE (e.txid, e.id) > ($1::xid8, $2::bigint)
              AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY e.txid, e.id LIMIT $3`,
          [head.txid, head.eventPk, batchSize],
        );
        const batch = rows as CanonicalRow[];
        if (batch.length === 0) break;
        const cols = {
          seq: [] as number[],
          pk: [] as string[],
          txid: [] as string[],
          prev: [] as string[],
          hash: [] as string[],
        };
        for (const row of batch) {
          const seq = head.seq + 1;
          const hash = chainHash(head.hash, seq, row, options.key);
          cols.seq.push(seq);
          cols.pk.push(row.id as string);
          cols.txid.push(row.txid as string);
          cols.prev.push(head.hash);
          cols.hash.push(hash);
          Object.assign(head, { seq, hash, txid: row.txid, eventPk: row.id });
        }
        await client.query(
          `INSERT INTO ${chain} (seq, event_pk, txid, alg, prev_hash, hash)
           SELECT s, p, t::xid8, $6, v, h FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])
             AS u(s, p, t, v, h)`,
          [cols.seq, cols.pk, cols.txid, cols.prev, cols.hash, alg],
        );
        sealed += batch.length;
        if (batch.length < batchSize) break;
      }
      await client.query('COMMIT');
      const result: ChainHead | null = head.seq === 0 ? null : { seq: head.seq, hash: head.hash };
      if (sealed > 0 && result && options.logger) {
        // The head in an external log anchors the chain against a truncated tail.
        options.logger.info(
          {
            [LOG_FIELDS.EVENT_KIND]: 'state',
            [LOG_FIELDS.EVENT_DATASET]: LOG_DATASETS.AUDIT_CHAIN,
            [LOG_FIELDS.AUDIT_CHAIN_SEQ]: result.seq,
            [LOG_FIELDS.AUDIT_CHAIN_HASH]: result.hash,
          },
          'audit chain sealed',
        );
      }
      return { sealed, head: result, busy: false };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Runs `sealAuditChain` every `intervalMs` on `pool`; run one per service
 * instance. Each pass waits for the per-schema lock (at most `lockTimeoutMs`,
 * default 5 × the interval and at least 5 s), so instances take turns and
 * every instance's `health().lastSuccessAt` means "at that time everything
 * below the snapshot xmin was sealed" — a sealer stuck holding the lock shows
 * up as failures everywhere else. After each pass the backlog is read
 * (`readAuditBacklog`) for `health()`. `stop({ seal: true })` runs a last pass.
 */
export function startAuditSealer(pool: Queryable, options: SealerOptions = {}): AuditSealer {
  const intervalMs = options.intervalMs ?? 1000;
  const graceSeconds = options.graceSeconds ?? DEFAULT_UNSEALED_GRACE_SECONDS;
  const passOptions: SealOptions = {
    ...options,
    skipIfBusy: options.skipIfBusy ?? false,
    lockTimeoutMs: options.lockTimeoutMs ?? Math.max(5000, 5 * intervalMs),
  };
  const state: SealerHealth = {
    unsealedRows: -1,
    oldestUnsealedAgeSeconds: 0,
    lastSuccessAt: null,
    failures: 0,
    sealed: 0,
  };
  let running: Promise<SealResult> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const readBacklog = async () => {
    try {
      const backlog = await readAuditBacklog(pool, { schema: options.schema, graceSeconds });
      state.unsealedRows = backlog.unsealed;
      state.oldestUnsealedAgeSeconds = backlog.oldest?.ageSeconds ?? 0;
    } catch {
      // The pass's own outcome is what counts; the gauges keep their last values.
    }
  };
  const run = async (): Promise<SealResult> => {
    try {
      const result = await sealAuditChain(pool, passOptions);
      state.sealed += result.sealed;
      if (!result.busy) state.lastSuccessAt = new Date();
      return result;
    } catch (error) {
      state.failures++;
      throw error;
    } finally {
      await readBacklog();
    }
  };
  const pass = (): Promise<SealResult> => {
    if (running) return running;
    running = run().finally(() => {
      running = null;
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      pass()
        .catch((error: unknown) => options.onError?.(error))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    sealNow: pass,
    health: () => ({ ...state }),
    async stop(stopOptions = {}) {
      stopped = true;
      clearTimeout(timer);
      if (running) await running.catch(() => undefined);
      if (!stopOptions.seal) return null;
      try {
        return await pass();
      } catch (error) {
        options.onError?.(error);
        return null;
      }
    },
  };
}
