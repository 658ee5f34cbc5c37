#!/usr/bin/env node
// `npm run observe`: Prometheus and Alertmanager from this machine's binaries with the shipped configuration
// (ops/), scraping the running service, plus a small webhook receiver that prints every notification.
// Only node: built-ins. Stop with Ctrl-C.
//   OBSERVE_TARGETS   metrics listeners to scrape, comma-separated (default 127.0.0.1:9464, `npm start`'s)
//   PROMETHEUS_PORT   default 9090;  ALERTMANAGER_PORT default 9093;  WEBHOOK_PORT default 9097
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OPS = path.join(ROOT, 'ops');
const STATE = path.join(ROOT, '.observe');
const targets = (process.env.OBSERVE_TARGETS ?? '127.0.0.1:9464')
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean);
const ports = {
  prometheus: Number(process.env.PROMETHEUS_PORT ?? 9090),
  alertmanager: Number(process.env.ALERTMANAGER_PORT ?? 9093),
  webhook: Number(process.env.WEBHOOK_PORT ?? 9097),
};

function find(candidates, pkg) {
  for (const name of candidates) {
    for (const dir of ['', '/usr/bin/', '/usr/local/bin/']) {
      if (!spawnSync(`${dir}${name}`, ['--version'], { stdio: 'ignore' }).error) return `${dir}${name}`;
    }
  }
  process.stderr.write(
    `✖ ${candidates[0]} not found: install the Debian package ${pkg} (sudo apt-get install ${pkg})\n`,
  );
  process.exit(1);
}

const prometheus = find(['prometheus'], 'prometheus');
const alertmanager = find(['prometheus-alertmanager', 'alertmanager'], 'prometheus-alertmanager');
mkdirSync(STATE, { recursive: true });

// The shipped prometheus.yml, with absolute rule paths, the chosen targets and Alertmanager port (line edits,
// so the file stays the one in the repository).
const promConfig = readFileSync(path.join(OPS, 'prometheus', 'prometheus.yml'), 'utf8')
  .replace('  - rules/*.rules.yml', `  - ${path.join(OPS, 'prometheus', 'rules', '*.rules.yml')}`)
  .replace("targets: ['127.0.0.1:9093']", `targets: ['127.0.0.1:${ports.alertmanager}']`)
  .replace("targets: ['127.0.0.1:9464']", `targets: [${targets.map((t) => `'${t}'`).join(', ')}]`);
writeFileSync(path.join(STATE, 'prometheus.yml'), promConfig);
const amConfig = readFileSync(path.join(OPS, 'alertmanager', 'alertmanager.yml'), 'utf8').replaceAll(
  'http://127.0.0.1:9097/',
  `http://127.0.0.1:${ports.webhook}/`,
);
writeFileSync(path.join(STATE, 'alertmanager.yml'), amConfig);

const webhook = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    try {
      const { status, alerts = [] } = JSON.parse(body);
      for (const alert of alerts) {
        process.stdout.write(
          `[webhook ${request.url}] ${status.toUpperCase()} ${alert.labels.alertname} ${JSON.stringify(alert.labels)}\n  ${alert.annotations.summary}\n  runbook: ${alert.annotations.runbook}\n`,
        );
      }
    } catch {
      process.stdout.write(`[webhook ${request.url}] ${body}\n`);
    }
    response.writeHead(200).end();
  });
});
webhook.listen(ports.webhook, '127.0.0.1');

const children = [
  spawn(
    prometheus,
    [
      `--config.file=${path.join(STATE, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(STATE, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  ),
  spawn(
    alertmanager,
    [
      `--config.file=${path.join(STATE, 'alertmanager.yml')}`,
      `--storage.path=${path.join(STATE, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  ),
];
for (const [i, child] of children.entries()) {
  let tail = '';
  child.stderr.on('data', (chunk) => {
    tail = (tail + chunk).slice(-4000);
  });
  child.on('exit', (code) => {
    process.stderr.write(`✖ ${i === 0 ? 'prometheus' : 'alertmanager'} exited (${code}):\n${tail}\n`);
    stop(1);
  });
}

process.stdout.write(
  [
    `Prometheus    http://127.0.0.1:${ports.prometheus}  (rules: /rules, alerts: /alerts, targets: ${targets.join(', ')})`,
    `Alertmanager  http://127.0.0.1:${ports.alertmanager}`,
    `Webhook       http://127.0.0.1:${ports.webhook}/alerts/{page,ticket}: notifications are printed here`,
    'Data in .observe/ (kept between runs). Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.removeAllListeners('exit').kill('SIGTERM');
  webhook.close();
  setTimeout(() => process.exit(code), 500);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
