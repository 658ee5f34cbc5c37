import type { TestSchema } from '@app/test-utils';
import { createAuditWriter } from '../src/writer';
import { auditSchema } from './helpers';

// The seed's two dashboard queries, verbatim.
const REWARDS_PER_HOUR = `SELECT date_trunc('hour', created_at) AS hour, COUNT(*), SUM(amount) FROM audit_events WHERE event = 'reward_claimed' AND created_at > NOW() - INTERVAL '24 hours' GROUP BY hour ORDER BY hour;`;
const ACTIVE_USERS_PER_DAY = `SELECT date_trunc('day', created_at) AS day, COUNT(DISTINCT user_id) FROM audit_events WHERE event IN ('reward_claimed', 'quiz_submitted') GROUP BY day ORDER BY day DESC;`;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function utcQuery(schema: TestSchema, sql: string) {
  const client = await schema.pool.connect();
  try {
    await client.query("SET TIME ZONE 'UTC'");
    return (await client.query(sql)).rows;
  } finally {
    client.release();
  }
}

describe("the seed's dashboard queries over fixture rows", () => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await auditSchema('audit_dash');
  });
  afterEach(async () => {
    await schema.drop();
  });

  it('reward claims per hour over the last 24 hours: count and exact sum', async () => {
    const audit = createAuditWriter();
    const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
    const at = (ms: number) => new Date(ms);
    const fixtures = [
      { event: 'reward_claimed', amount: '1.5', createdAt: at(thisHour - 2 * HOUR + 60_000) },
      { event: 'reward_claimed', amount: '2.2500001', createdAt: at(thisHour - 2 * HOUR + 120_000) },
      { event: 'reward_claimed', amount: '10', createdAt: at(thisHour - HOUR + 60_000) },
      { event: 'reward_claimed', amount: '99', createdAt: at(Date.now() - 25 * HOUR) }, // older than 24 h
      { event: 'reward_claim_failed', amount: '7', createdAt: at(thisHour - HOUR + 60_000) }, // other event
      { event: 'quiz_submitted', amount: null, createdAt: at(thisHour - HOUR) },
    ];
    for (const f of fixtures) await audit.write(schema.pool, { ...f, result: 'success', userId: 'u' });

    const rows = await utcQuery(schema, REWARDS_PER_HOUR);
    expect(rows.map((r) => ({ hour: (r.hour as Date).getTime(), count: r.count, sum: r.sum }))).toEqual([
      { hour: thisHour - 2 * HOUR, count: '2', sum: '3.7500001' },
      { hour: thisHour - HOUR, count: '1', sum: '10' },
    ]);
  });

  it('distinct active users per day, newest day first', async () => {
    const audit = createAuditWriter();
    const today = Math.floor(Date.now() / DAY) * DAY;
    const noon = (daysAgo: number) => new Date(today - daysAgo * DAY + 12 * HOUR);
    const fixtures: [string, string, Date][] = [
      ['reward_claimed', 'alice', noon(3)],
      ['quiz_submitted', 'alice', noon(3)],
      ['quiz_submitted', 'bob', noon(3)],
      ['authn_login_success', 'carol', noon(3)], // not counted
      ['quiz_submitted', 'alice', noon(5)],
      ['reward_claimed', 'carol', noon(5)],
      ['quiz_submitted', 'dave', noon(5)],
    ];
    for (const [event, userId, createdAt] of fixtures) {
      await audit.write(schema.pool, { event, userId, createdAt, result: 'success' });
    }
    const rows = await utcQuery(schema, ACTIVE_USERS_PER_DAY);
    expect(rows.map((r) => ({ day: (r.day as Date).getTime(), count: r.count }))).toEqual([
      { day: today - 3 * DAY, count: '2' },
      { day: today - 5 * DAY, count: '3' },
    ]);
  });
});
