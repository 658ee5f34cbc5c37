import { createHash, createHmac } from 'node:crypto';
import { CHAIN_TABLE, EVENT_COLUMNS, EVENTS_TABLE } from './names';
import { tableName } from './sql';

/** `prev_hash` of the first chain row. */
export const GENESIS_HASH = '0'.repeat(64);

export type ChainAlg = 'sha256' | 'hmac-sha256';

/**
 * The event columns as text, exactly as hashed. Casting in SQL keeps the
 * canonical form independent of pg's JavaScript type parsers.
 */
export const CANONICAL_COLUMNS = `e.id::text AS id, e.event_id::text AS event_id, e.schema_version::text,
  e.event, e.result, e.user_id, e.stellar_address, e.resource, e.resource_id, e.action, e.reason, e.tx_hash,
  e.amount::text, e.metadata::text, e.ip::text, e.user_agent, e.trace_id, e.span_id,
  to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, e.txid::text AS txid`;

// The hashed form of a row: its identity, every column the writer fills, and the writing transaction.
const CANONICAL_KEYS = ['id', ...EVENT_COLUMNS, 'txid'] as const;

export type CanonicalRow = Record<(typeof CANONICAL_KEYS)[number], string | null>;

/** hash_n = H(prev_hash | seq | canonical JSON of row n); HMAC when a key is given. */
export function chainHash(prevHash: string, seq: number, row: CanonicalRow, key: string | Buffer | undefined): string {
  const payload = `${prevHash}|${seq}|${JSON.stringify(CANONICAL_KEYS.map((k) => row[k] ?? null))}`;
  const hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  return hash.update(payload).digest('hex');
}

export function chainAlg(key: string | Buffer | undefined): ChainAlg {
  return key === undefined ? 'sha256' : 'hmac-sha256';
}

export function tables(schema: string | undefined): { events: string; chain: string } {
  return { events: tableName(EVENTS_TABLE, schema), chain: tableName(CHAIN_TABLE, schema) };
}
