import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { parse } from 'yaml';
import {
  type Backing,
  clientErrors,
  journey,
  type Prometheus,
  type Service,
  startBacking,
  startPrometheus,
  startService,
} from './stack';
import { OPS, until } from './tools';

type Rule = { record?: string; alert?: string; expr: string };

function shippedRules(): Rule[] {
  return readdirSync(path.join(OPS, 'prometheus', 'rules')).flatMap((file) =>
    (
      parse(readFileSync(path.join(OPS, 'prometheus', 'rules', file), 'utf8')) as { groups: Array<{ rules: Rule[] }> }
    ).groups.flatMap((g) => g.rules),
  );
}

type Target = { expr?: string; rawSql?: string };
function dashboardTargets(): Target[] {
  const dashboard = JSON.parse(
    readFileSync(path.join(OPS, 'grafana', 'dashboards', 'learn-to-earn-api.json'), 'utf8'),
  ) as { panels: Array<{ targets?: Target[] }> };
  return dashboard.panels.flatMap((p) => p.targets ?? []);
}

const NOT_METRICS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'by', 'without', 'on', 'ignoring']);

/** The vector selectors of a PromQL expression (metric name plus matchers), for alerts that only return data when firing. */
export function selectors(expr: string): string[] {
  const found = new Set<string>();
  // Grouping clauses hold label names, not metrics.
  const cleaned = expr.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const pattern = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\[[^\]]*\])?(\s*\()?/g;
  for (const match of cleaned.matchAll(pattern)) {
    const [, name, matchers, , call] = match;
    if (call || !name || NOT_METRICS.has(name)) continue;
    // Identifiers inside a matcher block or a duration ("5m") are not metrics.
    const before = cleaned.slice(0, match.index);
    if ((before.match(/\{/g)?.length ?? 0) > (before.match(/\}/g)?.length ?? 0)) continue;
    if (/\d$/.test(before)) continue;
    found.add(`${name}${matchers ?? ''}`);
  }
  return [...found];
}

describe('the shipped rules and dashboard on a live Prometheus scraping two instances', () => {
  let backing: Backing;
  let a: Service;
  let b: Service;
  let prometheus: Prometheus;

  beforeAll(async () => {
    backing = await startBacking('ops_live');
    a = await startService(backing);
    b = await startService(backing);
    prometheus = await startPrometheus({ targets: [a.target, b.target] });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await a?.child.stop();
    await b?.child.stop();
    await backing?.close();
  });

  it('scrapes both instances, and the recording rules aggregate across them', async () => {
    await until(
      'both targets up',
      () => prometheus.query('up{job="learn-to-earn-api"} == 1'),
      (r) => r.length === 2,
    );
    // Journeys through instance a, client errors through instance b, /courses on both.
    await journey(a);
    await clientErrors(b);
    await journey(b);
    await clientErrors(a);
    const perInstance = await until(
      'GET /courses on both instances',
      () => prometheus.query('sum by (instance) (http_requests_total{route="/courses"})'),
      (r) => r.length === 2,
    );
    expect(perInstance).toHaveLength(2);
    const recorded = await until(
      'recorded request rate of GET /courses',
      () => prometheus.query('job_method_route:http_requests:rate5m{route="/courses",method="GET"}'),
      (r) => r.length === 1 && Number(r[0]!.value[1]) > 0,
    );
    // One series for the job, no instance label: the rule sums both instances.
    expect(recorded[0]!.metric).toEqual({
      __name__: 'job_method_route:http_requests:rate5m',
      job: 'learn-to-earn-api',
      method: 'GET',
      route: '/courses',
    });
    // The recorded rate equals the per-instance rates summed (both evaluated over the same data).
    const [sumNow] = await prometheus.query(
      'sum by (job, method, route) (rate(http_requests_total{route="/courses",method="GET"}[5m]))',
    );
    expect(Number(sumNow!.value[1])).toBeGreaterThan(0);
    const fourxx = await until(
      'recorded 4xx ratio of POST /auth/challenge',
      // A series' first sample already holds its first requests: rate() needs more after it.
      async () => {
        await clientErrors(b, 1);
        return prometheus.query(
          'job_method_route:http_requests_4xx:ratio_rate5m{route="/auth/challenge",method="POST"}',
        );
      },
      (r) => r.length === 1 && Number(r[0]!.value[1]) > 0,
    );
    expect(fourxx[0]!.metric.instance).toBeUndefined();
  });

  it('reports the payout throughput signals: both channel accounts on both instances, batches, operations per ledger', async () => {
    const channels = backing.sandbox.accounts.slice(2, 4).map((a) => a.publicKey);
    // Every instance reads the channels' state from the shared database: one series per instance and channel.
    const perChannel = await until(
      'both channel accounts reported by both instances',
      () => prometheus.query('count by (channel) (onchain_channel_in_flight)'),
      (r) => channels.every((c) => r.some((s) => s.metric.channel === c && s.value[1] === '2')),
    );
    expect(perChannel.every((s) => /^G[A-Z2-7]{55}$/.test(s.metric.channel!))).toBe(true);
    const inFlight = await prometheus.query('max by (channel) (onchain_channel_in_flight)');
    expect(inFlight.every((s) => ['0', '1'].includes(s.value[1]))).toBe(true);
    // A counter or histogram series appears with an instance's first envelope, and rate() only sees what
    // comes after a series' first sample: payouts go on (a journey every few seconds, on either instance)
    // until the three rules have a window with envelopes in it.
    let lastJourney = 0;
    let turn = 0;
    const recorded = await until(
      'payouts per second, operations per envelope and per ledger recorded',
      async () => {
        if (Date.now() - lastJourney > 4000) {
          await journey(turn++ % 2 === 0 ? a : b);
          lastJourney = Date.now();
        }
        return Promise.all(
          [
            'job_kind:onchain_operations_confirmed:rate5m',
            'job_kind:onchain_batch_operations:mean5m',
            'job_kind:onchain_operations_per_ledger:mean5m',
          ].map((rule) => prometheus.query(`${rule}{kind="reward_payout"}`)),
        );
      },
      (results) => results.every((r) => r.length === 1),
      120_000,
    );
    const [confirmed, perEnvelope, perLedger] = recorded.map((r) => r[0]!);
    // One series for the job (no instance label), with values a batched payout pipeline can give.
    expect(confirmed!.metric.instance).toBeUndefined();
    expect(Number(confirmed!.value[1])).toBeGreaterThan(0);
    expect(Number(perEnvelope!.value[1])).toBeGreaterThanOrEqual(1);
    expect(Number(perEnvelope!.value[1])).toBeLessThanOrEqual(100);
    expect(Number(perLedger!.value[1])).toBeGreaterThanOrEqual(1);
  });

  it('every recording rule and dashboard expression parses and returns data; every alert parses and reads existing metrics', async () => {
    const rules = shippedRules();
    const missing: string[] = [];
    // Give the 1-second groups time to see the traffic above.
    await until(
      'reward claims per hour recorded',
      () => prometheus.query('job_status:reward_claims:increase1h'),
      (r) => r.length > 0,
    );
    for (const rule of rules.filter((r) => r.record)) {
      const result = await until(
        `recording rule ${rule.record}`,
        () => prometheus.query(rule.expr),
        () => true,
      );
      if (result.length === 0) missing.push(`record ${rule.record}: ${rule.expr}`);
    }
    for (const target of dashboardTargets().filter((t) => t.expr)) {
      const result = await prometheus.query(target.expr!);
      if (result.length === 0) missing.push(`dashboard: ${target.expr}`);
    }
    for (const rule of rules.filter((r) => r.alert)) {
      await prometheus.query(rule.expr); // parses on this Prometheus (2.42)
      // An alert returns data only while it fires: each metric it reads must exist (a label value such as
      // status="failed" may not have happened yet).
      for (const selector of selectors(rule.expr)) {
        const name = selector.replace(/\{.*$/, '');
        const result = await prometheus.query(`count({__name__="${name}"})`);
        if (result.length === 0) missing.push(`alert ${rule.alert}: ${selector}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("runs the dashboard's SQL panels (the seed's queries, unchanged) on the service's database", async () => {
    const pool = new Pool({ ...backing.schema.config, max: 1 });
    try {
      for (const target of dashboardTargets().filter((t) => t.rawSql)) {
        const { rows } = await pool.query(target.rawSql!);
        expect({ sql: target.rawSql, rows: rows.length > 0 }).toEqual({ sql: target.rawSql, rows: true });
      }
    } finally {
      await pool.end();
    }
  });
});
