import type { TestSchema } from '@app/test-utils';
import { readAuditBacklog } from '../src/backlog';
import { sealAuditChain, startAuditSealer } from '../src/seal';
import { auditSealerSources } from '../src/stats';
import { verifyAuditChain } from '../src/verify';
import { createAuditWriter } from '../src/writer';
import { auditSchema, captureLogger, inTransaction, sealAll } from './helpers';

async function writeSome(schema: TestSchema, n: number): Promise<void> {
  const audit = createAuditWriter();
  for (let i = 0; i < n; i++) {
    await audit.write(schema.pool, { event: 'reward_claimed', result: 'success', userId: `u${i}`, amount: `${i}.5` });
  }
}

/** As a superuser, with the append-only triggers bypassed. */
async function asSuperuser(schema: TestSchema, sql: string): Promise<void> {
  await inTransaction(schema.pool, async (client) => {
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(sql);
  });
}

describe('hash chain: seal and verify', () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await auditSchema('audit_chain');
  });
  afterEach(async () => {
    await schema.drop();
  });

  it('seals committed rows and verifies an untouched chain', async () => {
    await writeSome(schema, 20);
    const { logger, lines } = captureLogger();
    const sealed = await sealAll(schema.pool, { batchSize: 7, logger });
    expect(sealed.sealed).toBe(20);
    expect(lines().at(-1)).toMatchObject({
      'event.kind': 'state',
      'event.dataset': 'audit.chain',
      'audit.chain.seq': 20,
      'audit.chain.hash': sealed.head!.hash,
    });
    const result = await verifyAuditChain(schema.pool);
    expect(result).toMatchObject({ ok: true, checked: 20, unsealed: 0, firstBroken: null, head: sealed.head });
    expect((await sealAuditChain(schema.pool)).sealed).toBe(0);
  });

  it('does not seal a row whose transaction is still open, and seals it after commit in order', async () => {
    const audit = createAuditWriter();
    const open = await schema.pool.connect();
    await open.query('BEGIN');
    await audit.write(open, { event: 'quiz_submitted', result: 'success', userId: 'slow' });
    await writeSome(schema, 3);
    // The open transaction's xid holds the snapshot xmin: nothing after it can be sealed yet.
    expect((await sealAuditChain(schema.pool)).sealed).toBe(0);
    await open.query('COMMIT');
    open.release();
    expect((await sealAll(schema.pool)).sealed).toBe(4);
    const order = await schema.pool.query(
      'SELECT e.user_id FROM audit_chain c JOIN audit_events e ON e.id = c.event_pk ORDER BY c.seq',
    );
    expect(order.rows.map((r) => r.user_id)).toEqual(['slow', 'u0', 'u1', 'u2']);
    expect((await verifyAuditChain(schema.pool)).ok).toBe(true);
  });

  it('finds a row a superuser changed with the triggers disabled', async () => {
    await writeSome(schema, 10);
    await sealAll(schema.pool);
    const { rows } = await schema.pool.query("SELECT id::int, event_id::text FROM audit_events WHERE user_id = 'u4'");
    await asSuperuser(schema, "UPDATE audit_events SET amount = 1000000 WHERE user_id = 'u4'");
    const result = await verifyAuditChain(schema.pool);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toEqual({
      seq: 5,
      id: rows[0].id,
      eventId: rows[0].event_id,
      reason: expect.stringMatching(/hash mismatch/),
    });
    expect(result.checked).toBe(4);
  });

  it('finds a row changed with ALTER TABLE ... DISABLE TRIGGER', async () => {
    await writeSome(schema, 3);
    await sealAll(schema.pool);
    await schema.pool.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    await schema.pool.query("UPDATE audit_events SET metadata = '{\"edited\": true}' WHERE user_id = 'u2'");
    await schema.pool.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
    expect((await verifyAuditChain(schema.pool)).firstBroken?.seq).toBe(3);
  });

  it('finds a deleted row, a reordered chain and a forged row', async () => {
    await writeSome(schema, 6);
    await sealAll(schema.pool);
    await asSuperuser(schema, "DELETE FROM audit_events WHERE user_id = 'u2'");
    expect((await verifyAuditChain(schema.pool)).firstBroken).toMatchObject({
      seq: 3,
      reason: expect.stringMatching(/missing/),
    });

    const other = await auditSchema('audit_chain_swap');
    try {
      await writeSome(other, 4);
      await sealAll(other.pool);
      // Swap which events seq 2 and 3 point to.
      await inTransaction(other.pool, async (client) => {
        await client.query('SET LOCAL session_replication_role = replica');
        const pk = async (seq: number) =>
          (await client.query('SELECT event_pk FROM audit_chain WHERE seq = $1', [seq])).rows[0].event_pk;
        const [two, three] = [await pk(2), await pk(3)];
        await client.query('UPDATE audit_chain SET event_pk = -1 WHERE seq = 2');
        await client.query('UPDATE audit_chain SET event_pk = $1 WHERE seq = 3', [two]);
        await client.query('UPDATE audit_chain SET event_pk = $1 WHERE seq = 2', [three]);
      });
      expect((await verifyAuditChain(other.pool)).firstBroken?.seq).toBe(2);
    } finally {
      await other.drop();
    }

    const forged = await auditSchema('audit_chain_forge');
    try {
      await writeSome(forged, 3);
      await sealAll(forged.pool);
      await asSuperuser(
        forged,
        "INSERT INTO audit_events (event_id, schema_version, event, result, txid) VALUES (gen_random_uuid(), 1, 'reward_claimed', 'success', '1')",
      );
      const result = await verifyAuditChain(forged.pool);
      expect(result.firstBroken?.reason).toMatch(/not in the chain/);
    } finally {
      await forged.drop();
    }
  });

  it('detects a cut tail only against an anchor', async () => {
    await writeSome(schema, 5);
    const { head } = await sealAll(schema.pool);
    await asSuperuser(schema, 'DELETE FROM audit_chain WHERE seq = 5');
    await asSuperuser(schema, "DELETE FROM audit_events WHERE user_id = 'u4'");
    expect((await verifyAuditChain(schema.pool)).ok).toBe(true);
    const anchored = await verifyAuditChain(schema.pool, { anchor: head! });
    expect(anchored.firstBroken).toMatchObject({ seq: 5, reason: 'chain is shorter than the anchor' });
  });

  it('with an HMAC key, a recomputed keyless chain does not verify', async () => {
    await writeSome(schema, 3);
    await sealAll(schema.pool, { key: 'k1' });
    expect((await verifyAuditChain(schema.pool, { key: 'k1' })).ok).toBe(true);
    expect((await verifyAuditChain(schema.pool, { key: 'other' })).firstBroken?.seq).toBe(1);
    await expect(verifyAuditChain(schema.pool)).rejects.toThrow(/AUDIT_ERR_KEY_MISMATCH/);
  });

  it('verifies a range by event id and by time', async () => {
    await writeSome(schema, 10);
    await sealAll(schema.pool);
    const ids = (await schema.pool.query('SELECT id::int FROM audit_events ORDER BY id')).rows.map((r) => r.id);
    expect(await verifyAuditChain(schema.pool, { from: ids[3], to: ids[6] })).toMatchObject({ ok: true, checked: 4 });
    const all = await verifyAuditChain(schema.pool, {
      from: new Date(Date.now() - 60_000),
      to: new Date().toISOString(),
    });
    expect(all).toMatchObject({ ok: true, checked: 10 });
    await expect(verifyAuditChain(schema.pool, { from: 'yesterday-ish' })).rejects.toThrow(/AUDIT_ERR_INVALID_RANGE/);
  });

  it('8 concurrent writers x 500 events, with a sealer running meanwhile, leave a chain that verifies', async () => {
    const audit = createAuditWriter();
    const sealer = startAuditSealer(schema.pool, { intervalMs: 20 });
    const writer = async (w: number) => {
      for (let i = 0; i < 500; i++) {
        await inTransaction(schema.pool, (client) =>
          audit.write(client, { event: 'quiz_submitted', result: 'success', userId: `w${w}`, metadata: { i } }),
        );
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    await sealer.stop();
    await sealAll(schema.pool);
    const result = await verifyAuditChain(schema.pool);
    expect(result).toMatchObject({ ok: true, checked: 4000, unsealed: 0 });
    const chain = await schema.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT event_pk)::int AS d FROM audit_chain',
    );
    expect(chain.rows[0]).toEqual({ n: 4000, d: 4000 });
  }, 120_000);

  it('verify fails on a row left unsealed past the grace and reports the oldest', async () => {
    await writeSome(schema, 2);
    await sealAll(schema.pool);
    const audit = createAuditWriter();
    const late = await audit.write(schema.pool, {
      event: 'quiz_submitted',
      result: 'success',
      createdAt: new Date(Date.now() - 120_000),
    });
    await audit.write(schema.pool, { event: 'quiz_submitted', result: 'success' });
    const result = await verifyAuditChain(schema.pool);
    expect(result).toMatchObject({ ok: false, firstBroken: null, checked: 2, unsealed: 2, pastGrace: 1 });
    expect(result.oldestUnsealed).toMatchObject({ eventId: late.eventId });
    expect(result.oldestUnsealed!.ageSeconds).toBeGreaterThanOrEqual(119);
    expect(await verifyAuditChain(schema.pool, { graceSeconds: 300 })).toMatchObject({ ok: true, pastGrace: 0 });
    expect(await verifyAuditChain(schema.pool, { graceSeconds: Infinity })).toMatchObject({ ok: true });
    await expect(verifyAuditChain(schema.pool, { graceSeconds: -1 })).rejects.toThrow(/AUDIT_ERR_INVALID_RANGE/);
    await sealAll(schema.pool);
    expect(await verifyAuditChain(schema.pool)).toMatchObject({ ok: true, unsealed: 0, oldestUnsealed: null });
  });

  it('a running sealer reports its health; stop({ seal: true }) seals what committed before it', async () => {
    const sealer = startAuditSealer(schema.pool, { intervalMs: 50 });
    expect(sealer.health()).toMatchObject({ lastSuccessAt: null, failures: 0 });
    await writeSome(schema, 5);
    const deadline = Date.now() + 20_000;
    while (sealer.health().sealed < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const health = sealer.health();
    expect(health).toMatchObject({ sealed: 5, failures: 0 });
    expect(health.lastSuccessAt!.getTime()).toBeGreaterThan(Date.now() - 10_000);
    const sources = auditSealerSources(sealer);
    expect(sources.lastSuccess.read()).toBeCloseTo(health.lastSuccessAt!.getTime() / 1000, 0);
    expect(sources.failures.read()).toEqual([{ labels: {}, value: 0 }]);
    // Stopped with a row just committed: the last pass seals it (waiting out other suites' open transactions).
    await writeSome(schema, 1);
    let last = await sealer.stop({ seal: true });
    while ((await readAuditBacklog(schema.pool)).unsealed > 0 && Date.now() < deadline) {
      last = await sealer.sealNow();
    }
    expect(last).not.toBeNull();
    expect(await readAuditBacklog(schema.pool)).toMatchObject({ unsealed: 0, pastGrace: 0, oldest: null });
    expect(await verifyAuditChain(schema.pool)).toMatchObject({ ok: true, checked: 6 });
  }, 30_000);

  it('a sealer whose lock wait times out counts a failure and keeps running', async () => {
    await writeSome(schema, 1);
    const holder = await schema.pool.connect();
    try {
      await holder.query('BEGIN');
      const { rows } = await holder.query('SELECT current_schema() AS s');
      await holder.query("SELECT pg_advisory_xact_lock(hashtext('app_audit:seal:' || $1))", [rows[0].s]);
      const errors: unknown[] = [];
      const sealer = startAuditSealer(schema.pool, {
        intervalMs: 20,
        lockTimeoutMs: 50,
        onError: (e) => errors.push(e),
      });
      const deadline = Date.now() + 10_000;
      while (sealer.health().failures < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(sealer.health().failures).toBeGreaterThanOrEqual(2);
      expect(sealer.health().lastSuccessAt).toBeNull();
      expect(String(errors[0])).toMatch(/lock timeout/);
      await holder.query('COMMIT');
      while (sealer.health().lastSuccessAt === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(sealer.health().lastSuccessAt).not.toBeNull();
      await sealer.stop();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  }, 20_000);

  it('two sealers at once never fork the chain', async () => {
    await writeSome(schema, 50);
    const results = await Promise.all([
      sealAuditChain(schema.pool, { batchSize: 5 }),
      sealAuditChain(schema.pool, { batchSize: 5 }),
    ]);
    expect(results[0].sealed + results[1].sealed).toBeLessThanOrEqual(50);
    await sealAll(schema.pool);
    expect(await verifyAuditChain(schema.pool)).toMatchObject({ ok: true, checked: 50 });
  });
});
