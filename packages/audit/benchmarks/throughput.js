// Added latency of one audit write inside a business transaction, and sustained
// events/s with several writers while the sealer chains rows (tamper evidence on).
// Run from packages/audit after `pnpm build`:  node benchmarks/throughput.js
// Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_SECONDS (default 5:
// rounds of 1 s without audit then 1 s with audit, per writer count).
const { randomBytes } = require('node:crypto');
const { loadavg } = require('node:os');
const { Pool } = require('pg');
const pino = require('pino');
const { createAuditWriter, migrateAuditSchema, startAuditSealer, sealAuditChain, verifyAuditChain } = require('..');

const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const seconds = Number(process.env.BENCH_SECONDS || 5);
const schema = `audit_bench_${randomBytes(4).toString('hex')}`;

const logger = pino(pino.destination({ dest: '/dev/null', sync: true }));
const audit = createAuditWriter({ logger });
const event = (i) => ({
  event: 'reward_claimed',
  result: 'success',
  userId: `user-${i % 100}`,
  stellarAddress: `G${'A'.repeat(55)}`,
  resource: 'reward_claim',
  resourceId: `claim-${i}`,
  action: 'confirm',
  txHash: 'ab'.repeat(32),
  amount: '12.5',
  ip: '203.0.113.9',
  userAgent: 'bench/1.0',
  metadata: { attempt: 1, course: 'stellar-101' },
});

// A business transaction: one business row plus `events` audit events (0 = no audit).
async function tx(client, i, events) {
  await client.query('BEGIN');
  await client.query('INSERT INTO claims (n) VALUES ($1)', [i]);
  if (events === 1) await audit.write(client, event(i));
  else if (events > 1)
    await audit.writeMany(
      client,
      Array.from({ length: events }, (_, k) => event(i + k)),
    );
  await client.query('COMMIT');
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (v) => `${v.toFixed(3)} ms`;

async function latency(pool, n) {
  const client = await pool.connect();
  const base = [];
  const audited = [];
  for (let i = 0; i < 200; i++) await tx(client, i, i % 2); // warm-up
  // Alternate so both series see the same background load.
  for (let i = 0; i < n; i++) {
    for (const withAudit of [false, true]) {
      const t0 = process.hrtime.bigint();
      await tx(client, i, withAudit ? 1 : 0);
      (withAudit ? audited : base).push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  client.release();
  base.sort((a, b) => a - b);
  audited.sort((a, b) => a - b);
  return {
    base: { p50: pct(base, 50), p99: pct(base, 99) },
    audited: { p50: pct(audited, 50), p99: pct(audited, 99) },
  };
}

async function slice(pool, writers, events, ms) {
  const deadline = Date.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const client = await pool.connect();
      while (Date.now() < deadline) {
        await tx(client, done, events);
        done++;
      }
      client.release();
    }),
  );
  return done;
}

// Alternates 1 s slices without and with audit so both see the same background load.
async function throughput(pool, writers, events) {
  const totals = { bare: 0, audited: 0 };
  for (let round = 0; round < seconds; round++) {
    totals.bare += await slice(pool, writers, 0, 1000);
    totals.audited += await slice(pool, writers, events, 1000);
  }
  return { bare: totals.bare / seconds, audited: totals.audited / seconds };
}

async function main() {
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const pool = new Pool({ connectionString: url, max: 20, options: `-c search_path=${schema}` });
  try {
    await migrateAuditSchema(pool);
    await pool.query('CREATE TABLE claims (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int)');
    console.log(`@app/audit benchmark: ${seconds} rounds of 1 s + 1 s per writer count, schema ${schema}`);
    console.log(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );

    const lat = await latency(pool, 1000);
    console.log('\nlatency of one business transaction (1 connection, 1000 each, alternating)');
    console.log(`  without audit   p50 ${ms(lat.base.p50)}  p99 ${ms(lat.base.p99)}`);
    console.log(`  with audit      p50 ${ms(lat.audited.p50)}  p99 ${ms(lat.audited.p99)}`);
    console.log(
      `  added           p50 ${ms(lat.audited.p50 - lat.base.p50)}  p99 ${ms(lat.audited.p99 - lat.base.p99)}`,
    );
    await sealAuditChain(pool);

    console.log('\nthroughput (each transaction: business insert + audit row + pino line; sealer every 200 ms)');
    const sealer = startAuditSealer(pool, { intervalMs: 200 });
    for (const [writers, events] of [
      [4, 1],
      [8, 1],
      [16, 1],
      [8, 5],
    ]) {
      const { bare, audited } = await throughput(pool, writers, events);
      console.log(
        `  ${writers} writers, ${events} event(s)/tx: ${bare.toFixed(0)} tx/s without audit, ${audited.toFixed(0)} tx/s with (ratio ${(audited / bare).toFixed(2)}) = ${(audited * events).toFixed(0)} events/s`,
      );
    }
    await sealer.stop();

    const t0 = Date.now();
    const sealed = await sealAuditChain(pool);
    const t1 = Date.now();
    const verified = await verifyAuditChain(pool);
    const t2 = Date.now();
    const total = verified.checked;
    console.log(`\nsealer backlog at the end: ${sealed.sealed} rows sealed in ${t1 - t0} ms`);
    console.log(
      `verify: ${total} rows in ${t2 - t1} ms (${((total / (t2 - t1)) * 1000).toFixed(0)} rows/s), ok=${verified.ok}`,
    );

    // Raw sealing rate over a fresh backlog.
    await pool.query(
      `INSERT INTO audit_events (event_id, schema_version, event, result, user_id, amount, metadata)
       SELECT gen_random_uuid(), 1, 'quiz_submitted', 'success', 'u' || g, g, '{}' FROM generate_series(1, 20000) g`,
    );
    const t3 = Date.now();
    const burst = await sealAuditChain(pool, { batchSize: 2000 });
    const t4 = Date.now();
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `sealer: ${burst.sealed} rows in ${t4 - t3} ms (${((burst.sealed / (t4 - t3)) * 1000).toFixed(0)} rows/s)`,
    );
  } finally {
    await pool.end();
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
