import { AUDIT_ERROR_CODES, AuditError } from './errors';
import type { Queryable } from './types';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Quotes a schema name after checking it is a plain identifier. */
export function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new AuditError(
      AUDIT_ERROR_CODES.INVALID_SCHEMA,
      'schema must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*)',
    );
  }
  return `"${name}"`;
}

/** `"schema".table`, or the bare table (resolved through search_path) without a schema. */
export function tableName(table: string, schema: string | undefined): string {
  return schema === undefined ? table : `${quoteIdent(schema)}.${table}`;
}

/** The schema `search_path` resolves to on this connection. */
export async function currentSchema(client: Queryable): Promise<string> {
  const { rows } = await client.query('SELECT current_schema() AS schema');
  const schema = (rows[0] as { schema: string | null } | undefined)?.schema;
  if (!schema) throw new AuditError(AUDIT_ERROR_CODES.INVALID_SCHEMA, 'no schema: search_path names none that exists');
  return schema;
}

/** A pg Pool (has `connect` returning a releasable client) as opposed to a single client. */
export interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(error?: Error | boolean): void }>;
  totalCount: number;
}

export function isPool(value: unknown): value is PoolLike {
  return typeof value === 'object' && value !== null && 'totalCount' in value && 'connect' in value;
}

/** Runs `fn` on one connection: a client from the pool, or the given client. */
export async function withConnection<T>(target: Queryable, fn: (client: Queryable) => Promise<T>): Promise<T> {
  if (!isPool(target)) return fn(target);
  const client = await target.connect();
  let failed = false;
  // A checked-out pg client whose connection drops between two queries emits 'error'; with no
  // listener that is an uncaught exception. The next query fails anyway: note it and drop the client.
  const emitter = client as unknown as {
    on?(event: 'error', listener: (error: Error) => void): unknown;
    off?(event: 'error', listener: (error: Error) => void): unknown;
  };
  const onError = () => {
    failed = true;
  };
  emitter.on?.('error', onError);
  try {
    return await fn(client);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    emitter.off?.('error', onError);
    // A connection that failed mid-way may hold a broken transaction: drop it.
    client.release(failed);
  }
}
