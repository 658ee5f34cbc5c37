import type { TestSchema } from '@app/test-utils';
import { Keypair } from '@stellar/stellar-sdk';
import { createAuditWriter } from '../src/writer';
import { auditSchema, captureLogger, inTransaction, TX_HASH } from './helpers';

describe('createAuditWriter (real PostgreSQL, own schema via search_path)', () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await auditSchema('audit_writer');
  });
  afterEach(async () => {
    await schema.drop();
  });

  const count = async () => (await schema.pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n;

  it('leaves no row when the business transaction rolls back', async () => {
    const audit = createAuditWriter();
    await schema.pool.query('CREATE TABLE claims (id int)');
    await inTransaction(
      schema.pool,
      async (client) => {
        await client.query('INSERT INTO claims VALUES (1)');
        await audit.write(client, { event: 'reward_claimed', result: 'success', amount: '5' });
      },
      'ROLLBACK',
    );
    expect(await count()).toBe(0);
    expect((await schema.pool.query('SELECT count(*)::int AS n FROM claims')).rows[0].n).toBe(0);
  });

  it('leaves exactly one row, with every field, when it commits', async () => {
    const { logger, lines } = captureLogger();
    const audit = createAuditWriter({ logger });
    const address = Keypair.random().publicKey();
    const written = await inTransaction(schema.pool, (client) =>
      audit.write(client, {
        event: 'reward_claimed',
        result: 'success',
        userId: 'user-1',
        stellarAddress: address,
        resource: 'reward_claim',
        resourceId: 'claim-9',
        action: 'confirm',
        txHash: TX_HASH,
        amount: '12.3400000',
        metadata: { attempt: 2 },
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0',
      }),
    );
    const { rows } = await schema.pool.query(
      'SELECT *, amount::text AS amount_text, ip::text AS ip_text FROM audit_events',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_id: written.eventId,
      schema_version: 1,
      event: 'reward_claimed',
      result: 'success',
      user_id: 'user-1',
      stellar_address: address,
      resource: 'reward_claim',
      resource_id: 'claim-9',
      action: 'confirm',
      tx_hash: TX_HASH,
      amount_text: '12.34',
      metadata: { attempt: 2 },
      ip_text: '203.0.113.7/32',
      user_agent: 'Mozilla/5.0',
    });
    expect((rows[0].created_at as Date).getTime()).toBe(written.createdAt.getTime());

    const [line] = lines();
    expect(line).toMatchObject({
      'event.kind': 'event',
      'event.dataset': 'audit',
      msg: 'audit',
      'event.id': written.eventId,
      'event.action': 'reward_claimed',
      'event.outcome': 'success',
      'user.id': 'user-1',
      'source.ip': '203.0.113.7',
      'user_agent.original': 'Mozilla/5.0',
      'stellar.address': address,
      'stellar.tx_hash': TX_HASH,
      'stellar.amount': '12.34',
      'audit.resource': 'reward_claim',
      'audit.metadata': { attempt: 2 },
    });
  });

  it('keeps amounts exact (numeric, no floating point)', async () => {
    const audit = createAuditWriter();
    await audit.write(schema.pool, { event: 'reward_claimed', result: 'success', amount: '0.1000000' });
    await audit.write(schema.pool, { event: 'reward_claimed', result: 'success', amount: '0.2' });
    await audit.write(schema.pool, { event: 'reward_claimed', result: 'success', amount: '922337203685477.5807' });
    const { rows } = await schema.pool.query('SELECT SUM(amount)::text AS s FROM audit_events');
    expect(rows[0].s).toBe('922337203685477.8807');
  });

  it('writes to an explicit schema from a connection whose search_path is elsewhere', async () => {
    const audit = createAuditWriter({ schema: schema.name });
    const { Client } = await import('pg');
    const { testDatabaseConfig } = await import('@app/test-utils');
    const client = new Client(testDatabaseConfig());
    await client.connect();
    try {
      await audit.write(client, { event: 'quiz_submitted', result: 'success' });
    } finally {
      await client.end();
    }
    expect(await count()).toBe(1);
  });

  it('rethrows a failed insert and the caller transaction cannot commit the business change', async () => {
    const audit = createAuditWriter({ schema: 'no_such_schema' });
    await schema.pool.query('CREATE TABLE claims (id int)');
    await expect(
      inTransaction(schema.pool, async (client) => {
        await client.query('INSERT INTO claims VALUES (1)');
        await audit.write(client, { event: 'reward_claimed', result: 'success' });
      }),
    ).rejects.toThrow(/no_such_schema/);
    expect((await schema.pool.query('SELECT count(*)::int AS n FROM claims')).rows[0].n).toBe(0);
  });
});

describe('createAuditWriter with prepare: false', () => {
  it('inserts through a plain query(text, values) client', async () => {
    const schema = await auditSchema('audit_plain');
    try {
      const seen: string[] = [];
      const client = {
        query: (text: string, values?: unknown[]) => {
          seen.push(typeof text);
          return schema.pool.query(text, values);
        },
      };
      await createAuditWriter({ prepare: false }).write(client, { event: 'quiz_submitted', result: 'success' });
      expect(seen).toEqual(['string']);
      expect((await schema.pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n).toBe(1);
    } finally {
      await schema.drop();
    }
  });
});

describe('writeMany', () => {
  it('inserts every event in one statement, in order, or none when one is malformed', async () => {
    const schema = await auditSchema('audit_many');
    try {
      const { logger, lines } = captureLogger();
      const audit = createAuditWriter({ logger });
      const events = Array.from({ length: 5 }, (_, i) => ({
        event: 'quiz_submitted',
        result: 'success' as const,
        userId: `u${i}`,
        amount: i % 2 ? `${i}.25` : null,
        ip: i % 2 ? '::1' : null,
        metadata: { i },
      }));
      const written = await audit.writeMany(schema.pool, events);
      const { rows } = await schema.pool.query(
        'SELECT event_id::text, user_id, amount::text, host(ip) AS ip, metadata FROM audit_events ORDER BY id',
      );
      expect(rows).toEqual(
        written.map((e, i) => ({
          event_id: e.eventId,
          user_id: `u${i}`,
          amount: i % 2 ? `${i}.25` : null,
          ip: i % 2 ? '::1' : null,
          metadata: { i },
        })),
      );
      expect(lines()).toHaveLength(5);
      await expect(
        audit.writeMany(schema.pool, [events[0]!, { event: 'x', result: 'maybe' as never }]),
      ).rejects.toThrow(/"result"/);
      expect((await schema.pool.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n).toBe(5);
    } finally {
      await schema.drop();
    }
  });
});

describe('event-name registration (events option)', () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await auditSchema('audit_events_opt');
  });
  afterEach(async () => {
    await schema.drop();
  });
  const SERVICE_EVENTS = { orderPlaced: 'order_placed', orderShipped: 'order_shipped' } as const;

  it('accepts the registered names and the security events, and refuses any other name before a row is written', async () => {
    const audit = createAuditWriter({ events: SERVICE_EVENTS });
    await inTransaction(schema.pool, async (client) => {
      await audit.write(client, { event: 'order_placed', result: 'success' });
      await audit.writeMany(client, [
        { event: 'order_shipped', result: 'success' },
        { event: 'authn_login_fail', result: 'failure' },
      ]);
    });
    const unknown = { event: 'order_plcaed', result: 'success' } as const;
    await expect(inTransaction(schema.pool, (client) => audit.write(client, unknown))).rejects.toMatchObject({
      code: 'AUDIT_ERR_UNKNOWN_EVENT',
      message: expect.stringContaining('"order_plcaed" is not registered'),
    });
    await expect(
      inTransaction(schema.pool, (client) =>
        audit.writeMany(client, [{ event: 'order_placed', result: 'success' }, unknown]),
      ),
    ).rejects.toMatchObject({ code: 'AUDIT_ERR_UNKNOWN_EVENT' });
    expect(() => audit.log(unknown)).toThrow(expect.objectContaining({ code: 'AUDIT_ERR_UNKNOWN_EVENT' }));
    const { rows } = await schema.pool.query('SELECT event FROM audit_events ORDER BY event');
    expect(rows.map((r: { event: string }) => r.event)).toEqual(['authn_login_fail', 'order_placed', 'order_shipped']);
  });

  it('takes a list as well as an object of constants', async () => {
    const audit = createAuditWriter({ events: ['order_placed'] });
    expect(audit.log({ event: 'order_placed', result: 'success' }).event).toBe('order_placed');
    expect(() => audit.log({ event: 'order_shipped', result: 'success' })).toThrow(/AUDIT_ERR_UNKNOWN_EVENT/);
  });

  it('accepts any well-formed name without the option', () => {
    expect(createAuditWriter().log({ event: 'anything_goes', result: 'success' }).event).toBe('anything_goes');
  });

  it.each([[['Order Placed']], [{ bad: '' }], [[42]], [null], ['order_placed']])(
    'refuses a malformed events option %p at creation with AUDIT_ERR_INVALID_OPTION',
    (events) => {
      expect(() => createAuditWriter({ events: events as never })).toThrow(
        expect.objectContaining({ code: 'AUDIT_ERR_INVALID_OPTION' }),
      );
    },
  );
});
