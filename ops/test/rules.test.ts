import { readdirSync } from 'node:fs';
import path from 'node:path';
import { binary, OPS, run } from './tools';

const rules = readdirSync(path.join(OPS, 'prometheus', 'rules')).map((f) => path.join('prometheus', 'rules', f));
const unitTests = readdirSync(path.join(OPS, 'prometheus', 'tests')).map((f) => path.join('prometheus', 'tests', f));

describe('shipped Prometheus and Alertmanager configuration', () => {
  it('passes promtool check rules and check config', () => {
    const checked = run(binary('promtool'), ['check', 'rules', ...rules]);
    expect(checked.output).not.toMatch(/FAILED/);
    expect(checked.status).toBe(0);
    const config = run(binary('promtool'), ['check', 'config', path.join('prometheus', 'prometheus.yml')]);
    expect(config.status).toBe(0);
  });

  it('has a promtool unit test that fires and one that stays quiet for every alert', () => {
    const tested = run(binary('promtool'), ['test', 'rules', ...unitTests]);
    expect(tested.output).toMatch(/SUCCESS/);
    expect(tested.status).toBe(0);
    const { parse } = require('yaml') as typeof import('yaml');
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const alerts = rules.flatMap((file) =>
      (parse(readFileSync(path.join(OPS, file), 'utf8')).groups as Array<{ rules: Array<{ alert?: string }> }>)
        .flatMap((g) => g.rules)
        .flatMap((r) => (r.alert ? [r.alert] : [])),
    );
    const cases = unitTests.flatMap((file) =>
      (
        parse(readFileSync(path.join(OPS, file), 'utf8')).tests as Array<{
          alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }>;
        }>
      ).flatMap((t) => t.alert_rule_test ?? []),
    );
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, quiet: true });
    }
  });

  it('annotates every alert with summary, description and runbook', () => {
    const { parse } = require('yaml') as typeof import('yaml');
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    for (const file of rules) {
      const groups = parse(readFileSync(path.join(OPS, file), 'utf8')).groups as Array<{
        rules: Array<{ alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }>;
      }>;
      for (const rule of groups.flatMap((g) => g.rules).filter((r) => r.alert)) {
        expect({ alert: rule.alert, annotations: Object.keys(rule.annotations ?? {}).sort() }).toEqual({
          alert: rule.alert,
          annotations: ['description', 'runbook', 'summary'],
        });
        expect(['page', 'ticket']).toContain(rule.labels?.severity);
      }
    }
  });

  it('passes amtool check-config and routes each severity to its receiver', () => {
    const config = path.join('alertmanager', 'alertmanager.yml');
    expect(run(binary('amtool'), ['check-config', config]).status).toBe(0);
    const route = (...labels: string[]) =>
      run(binary('amtool'), ['config', 'routes', 'test', `--config.file=${config}`, ...labels])
        .stdout.trim()
        .split('\n')
        .pop();
    expect(route('severity=page', 'alertname=PostgresDown')).toBe('pager');
    expect(route('severity=ticket', 'alertname=DistributorBalanceLow')).toBe('tickets');
  });
});
