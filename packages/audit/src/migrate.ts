import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_MIGRATE, MIGRATIONS_TABLE } from './names';
import { currentSchema, quoteIdent, withConnection } from './sql';
import type { MigrateOptions, MigrateResult, Queryable } from './types';

/** Folder of the plain SQL migrations shipped with the package (`NNN_name.sql`). */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

interface Migration {
  version: number;
  name: string;
  sql: string;
}

function loadMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d+_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number.parseInt(file, 10),
      name: file,
      sql: readFileSync(join(MIGRATIONS_DIR, file), 'utf8'),
    }));
}

/**
 * Creates or upgrades the audit tables in a schema. Idempotent, and safe when
 * several processes run it at once: everything happens in one transaction
 * under an advisory lock keyed by the schema. Pass a `Pool` or an idle client
 * (not one inside a transaction).
 */
export async function migrateAuditSchema(target: Queryable, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = loadMigrations();
  return withConnection(target, async (client) => {
    const schema = options.schema ?? (await currentSchema(client));
    const quoted = quoteIdent(schema);
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK_MIGRATE + schema]);
      if (options.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      // The SQL files use unqualified names; this confines them to the schema.
      await client.query(`SET LOCAL search_path TO ${quoted}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query(`SELECT version FROM ${MIGRATIONS_TABLE}`);
      const done = new Set((rows as { version: number }[]).map((row) => row.version));
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
        applied.push(migration.version);
      }
      await client.query('COMMIT');
      return { schema, applied };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
