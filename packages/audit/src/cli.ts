#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { AUDIT_ERROR_CODES, AuditError } from './errors';
import { migrateAuditSchema } from './migrate';
import { DEFAULT_UNSEALED_GRACE_SECONDS } from './names';
import { redactSecrets, redactUrl } from './redact';
import { sealAuditChain } from './seal';
import type { ChainHead } from './types';
import { verifyAuditChain } from './verify';

const USAGE = `usage: app-audit <command> --database-url URL [options]

commands:
  migrate   create or upgrade the audit tables
  seal      chain every finished event (run by the service's sealer; here for cron or tests)
  verify    check the hash chain; exits 1 naming the first broken row, 4 naming the
            oldest row left unsealed longer than --grace

options:
  --database-url URL   PostgreSQL connection string (default: $DATABASE_URL)
  --schema NAME        schema of the audit tables (default: the connection's search_path)
  --from ID|DATE       verify from this audit_events id or ISO time
  --to ID|DATE         verify up to this audit_events id or ISO time
  --anchor SEQ:HASH    verify: the chain head recorded elsewhere (detects a cut tail)
  --grace SECONDS      verify: how long a row may stay unsealed (default ${DEFAULT_UNSEALED_GRACE_SECONDS})
The HMAC key, when the chain uses one, is read from $AUDIT_CHAIN_KEY (never a flag).`;

function fail(message: string, code = 2): never {
  process.stderr.write(`app-audit: ${redactSecrets(message)}\n`);
  process.exit(code);
}

function parseGrace(text: string | undefined): number {
  if (text === undefined) return DEFAULT_UNSEALED_GRACE_SECONDS;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new AuditError(AUDIT_ERROR_CODES.USAGE, '--grace must be a non-negative number of seconds');
  }
  return value;
}

function parseAnchor(text: string | undefined): ChainHead | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!match) throw new AuditError(AUDIT_ERROR_CODES.USAGE, '--anchor must be SEQ:HASH (64 hex)');
  return { seq: Number(match[1]), hash: match[2]! };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'database-url': { type: 'string' },
      schema: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      anchor: { type: 'string' },
      grace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (!['migrate', 'seal', 'verify'].includes(command)) fail(`unknown command "${command}"\n${USAGE}`);
  const url = values['database-url'] ?? process.env.DATABASE_URL;
  if (!url) fail('--database-url (or DATABASE_URL) is required');
  const key = process.env.AUDIT_CHAIN_KEY || undefined;
  const schema = values.schema;
  const target = `${redactUrl(url)}${schema ? ` schema ${schema}` : ''}`;

  // pg is a peer dependency, loaded only when the CLI runs.
  const { Client } = require('pg') as typeof import('pg');
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if (command === 'migrate') {
      const result = await migrateAuditSchema(client, { schema });
      const applied = result.applied.length ? `applied ${result.applied.join(', ')}` : 'already up to date';
      process.stdout.write(`migrate ${redactUrl(url)} schema ${result.schema}: ${applied}\n`);
      return 0;
    }
    if (command === 'seal') {
      const result = await sealAuditChain(client, { schema, key });
      const head = result.head ? ` head ${result.head.seq}:${result.head.hash}` : '';
      process.stdout.write(`sealed ${result.sealed} events in ${target}${head}\n`);
      return 0;
    }
    const graceSeconds = parseGrace(values.grace);
    const result = await verifyAuditChain(client, {
      schema,
      key,
      from: values.from,
      to: values.to,
      anchor: parseAnchor(values.anchor),
      graceSeconds,
    });
    const head = result.head ? `${result.head.seq}:${result.head.hash}` : 'none';
    if (!result.ok && result.firstBroken) {
      const b = result.firstBroken;
      process.stdout.write(
        `BROKEN at chain seq ${b.seq}, audit_events.id ${b.id ?? '?'}, event_id ${b.eventId ?? '?'}: ${b.reason}\n`,
      );
      process.stdout.write(`checked ${result.checked} rows before it in ${target}\n`);
      return 1;
    }
    if (result.pastGrace > 0 && result.oldestUnsealed) {
      const o = result.oldestUnsealed;
      process.stdout.write(
        `UNSEALED: ${result.pastGrace} rows not sealed after ${graceSeconds}s; oldest audit_events.id ${o.id}, ` +
          `event_id ${o.eventId}, created ${o.createdAt.toISOString()} (${Math.round(o.ageSeconds)}s ago): ` +
          'is the sealer running, or is a long transaction holding it back?\n',
      );
      process.stdout.write(
        `checked ${result.checked} sealed rows (intact) in ${target}; ${result.unsealed} not sealed; head ${head}\n`,
      );
      return 4;
    }
    const oldest = result.oldestUnsealed ? ` (oldest ${Math.round(result.oldestUnsealed.ageSeconds)}s old)` : '';
    process.stdout.write(
      `OK: ${result.checked} sealed rows verified in ${target}; ${result.unsealed} not sealed yet${oldest}, ` +
        `0 past the ${graceSeconds}s grace; head ${head}\n`,
    );
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    fail(message, error instanceof AuditError && error.code === AUDIT_ERROR_CODES.USAGE ? 2 : 3);
  },
);
