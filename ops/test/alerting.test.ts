import { createServer, type Server } from 'node:http';
import { tcpProxy, testDatabaseConfig } from '@app/test-utils';
import {
  type Backing,
  clientErrors,
  databaseUrl,
  type Prometheus,
  type Service,
  startAlertmanager,
  startBacking,
  startPrometheus,
  startService,
} from './stack';
import { until } from './tools';

/** Alertmanager's webhook payload (version 4), the parts the test reads. */
interface Notification {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

/** A TCP proxy to the real PostgreSQL that the test cuts and restores on the same port. */
function pgProxy() {
  return tcpProxy({
    host: String(testDatabaseConfig().host ?? '127.0.0.1'),
    port: Number(testDatabaseConfig().port ?? 5432),
  });
}

describe('end to end: a fault reaches the on-call webhook through Prometheus and Alertmanager, then resolves', () => {
  let backing: Backing;
  let service: Service;
  let prometheus: Prometheus;
  let alertmanager: Awaited<ReturnType<typeof startAlertmanager>>;
  let webhook: Server;
  const received: Array<{ path: string; body: Notification; at: number }> = [];
  const proxy = pgProxy();

  beforeAll(async () => {
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({ path: request.url ?? '', body: JSON.parse(body) as Notification, at: Date.now() });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const hookPort = (webhook.address() as { port: number }).port;
    backing = await startBacking('ops_alerting');
    await proxy.start();
    service = await startService(backing, {
      DATABASE_URL: databaseUrl(backing, { host: '127.0.0.1', port: proxy.port }),
    });
    alertmanager = await startAlertmanager(`http://127.0.0.1:${hookPort}`);
    // The shipped rules with `for: 3s` instead of minutes; everything else as shipped.
    prometheus = await startPrometheus({
      targets: [service.target],
      alertFor: '3s',
      alertmanager: alertmanager.address,
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await service?.child.stop();
    await proxy.stop().catch(() => undefined);
    await backing?.close();
    await new Promise((resolve) => webhook.close(resolve));
  });

  it('pages PostgresDown with its labels and annotations while PostgreSQL is cut, and resolves it once it is back', async () => {
    await until(
      'target up',
      () => prometheus.query('up{job="learn-to-earn-api"} == 1'),
      (r) => r.length === 1,
    );
    await until(
      'db_up scraped as 1',
      () => prometheus.query('db_up == 1'),
      (r) => r.length === 1,
    );
    await clientErrors(service, 3);
    const postgresDown = (status: string) =>
      received.find(
        (n) =>
          n.path === '/alerts/page' &&
          n.body.alerts.some((a) => a.labels.alertname === 'PostgresDown' && a.status === status),
      );

    const cutAt = Date.now();
    await proxy.stop();
    const firing = await until(
      'PostgresDown delivered to the pager webhook',
      async () => postgresDown('firing'),
      (n) => n !== undefined,
      90_000,
    );
    // Scrape (1 s) + db check (0.5 s) + for (3 s) + evaluation + Alertmanager group_wait (1 s): well under 90 s.
    expect(firing!.at - cutAt).toBeLessThan(90_000);
    const alert = firing!.body.alerts.find((a) => a.labels.alertname === 'PostgresDown')!;
    expect(firing!.body.receiver).toBe('pager');
    expect(alert.labels).toMatchObject({
      alertname: 'PostgresDown',
      severity: 'page',
      job: 'learn-to-earn-api',
      instance: service.target,
    });
    expect(alert.annotations.summary).toBe(`PostgreSQL unreachable from ${service.target}`);
    expect(alert.annotations.description).toMatch(/SELECT 1/);
    expect(alert.annotations.runbook).toMatch(/pg_isready/);

    await proxy.start();
    const resolved = await until(
      'PostgresDown resolved on the pager webhook',
      async () => postgresDown('resolved'),
      (n) => n !== undefined,
      120_000,
    );
    expect(resolved!.body.alerts.find((a) => a.labels.alertname === 'PostgresDown')!.status).toBe('resolved');
    // Nothing about Redis or the target: only the fault that was injected paged.
    const paged = new Set(
      received.filter((n) => n.path === '/alerts/page').flatMap((n) => n.body.alerts.map((a) => a.labels.alertname)),
    );
    expect([...paged].filter((name) => name !== 'PostgresDown' && name !== 'ApiAvailabilityBudgetFastBurn')).toEqual(
      [],
    );
  });
});
