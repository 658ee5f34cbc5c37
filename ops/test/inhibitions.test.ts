import { startAlertmanager } from './stack';
import { freePort, until } from './tools';

/** One alert of Alertmanager's v2 API, the parts the test reads. */
interface GettableAlert {
  labels: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[] };
}

type Labels = Record<string, string>;

/**
 * The shipped inhibitions, checked on a real Alertmanager: the cause pages once and the alerts it explains
 * are suppressed for the same job only. Each case posts its own alerts under a job name of its own.
 */
describe('Alertmanager inhibitions (shipped alertmanager.yml)', () => {
  let alertmanager: Awaited<ReturnType<typeof startAlertmanager>>;

  beforeAll(async () => {
    // Notifications go to a closed port: only inhibition is under test here.
    alertmanager = await startAlertmanager(`http://127.0.0.1:${await freePort()}`);
  }, 90_000);

  afterAll(async () => {
    await alertmanager?.stop();
  });

  async function post(alerts: Labels[]): Promise<void> {
    const startsAt = new Date().toISOString();
    const response = await fetch(`http://${alertmanager.address}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, startsAt, annotations: {} }))),
    });
    expect(response.status).toBe(200);
  }

  /** Waits until Alertmanager has processed every alert of `job`, then returns them by alertname. */
  async function states(job: string, count: number): Promise<Record<string, GettableAlert['status']['state']>> {
    const alerts = await until(
      `${count} processed alerts of job ${job}`,
      async () => {
        const response = await fetch(
          `http://${alertmanager.address}/api/v2/alerts?filter=${encodeURIComponent(`job="${job}"`)}`,
        );
        return (await response.json()) as GettableAlert[];
      },
      (list) => list.length === count && list.every((a) => a.status.state !== 'unprocessed'),
      30_000,
    );
    return Object.fromEntries(alerts.map((a) => [`${a.labels.alertname}@${a.labels.job}`, a.status.state]));
  }

  it('StellarRpcUnreachable suppresses PayoutsStalled, PayoutBacklogTooOld and StellarChannelStuck of its job, not of another', async () => {
    const channel = 'GCDMQHS7V7XZUFCELAKJKJEJVEBS6L64LL37ABTAMGHBQGCMFWQRMSBS';
    await post([
      { alertname: 'StellarRpcUnreachable', severity: 'page', job: 'rpc-a', instance: 'a' },
      { alertname: 'PayoutsStalled', severity: 'page', job: 'rpc-a', kind: 'reward_payout' },
      { alertname: 'PayoutBacklogTooOld', severity: 'page', job: 'rpc-a', kind: 'reward_payout' },
      { alertname: 'StellarChannelStuck', severity: 'page', job: 'rpc-a', channel },
      { alertname: 'PayoutsStalled', severity: 'page', job: 'rpc-b', kind: 'reward_payout' },
    ]);
    expect(await states('rpc-a', 4)).toEqual({
      'StellarRpcUnreachable@rpc-a': 'active',
      'PayoutsStalled@rpc-a': 'suppressed',
      'PayoutBacklogTooOld@rpc-a': 'suppressed',
      'StellarChannelStuck@rpc-a': 'suppressed',
    });
    expect(await states('rpc-b', 1)).toEqual({ 'PayoutsStalled@rpc-b': 'active' });
  });

  it('PostgresDown suppresses the alerts it explains on its job; an unrelated page stays active', async () => {
    await post([
      { alertname: 'PostgresDown', severity: 'page', job: 'pg-a', instance: 'a' },
      { alertname: 'ReconcilerFailing', severity: 'page', job: 'pg-a' },
      { alertname: 'AuditWritesFailing', severity: 'page', job: 'pg-a' },
      { alertname: 'PayoutsStalled', severity: 'page', job: 'pg-a', kind: 'credential_mint' },
      { alertname: 'DistributorBalanceLow', severity: 'ticket', job: 'pg-a', account: 'distributor' },
    ]);
    expect(await states('pg-a', 5)).toEqual({
      'PostgresDown@pg-a': 'active',
      'ReconcilerFailing@pg-a': 'suppressed',
      'AuditWritesFailing@pg-a': 'suppressed',
      'PayoutsStalled@pg-a': 'suppressed',
      'DistributorBalanceLow@pg-a': 'active',
    });
  });
});
