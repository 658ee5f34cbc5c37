#!/usr/bin/env node
// Load benchmark: the built service with the full observability stack ON
// (tracing preloaded and exporting to a local OTLP sink, HTTP + business
// metrics, access and audit log lines), with metrics and logs only, and OFF
// (no tracing, HTTP metrics off, logs at warn), side by side in one run, against the real PostgreSQL
// and Redis of this machine. Routes: GET /quizzes/:quizId (read) and
// POST /quizzes/:quizId/submissions (write: a row and its audit event).
// Usage (after `pnpm --filter @app/api build`): node benchmarks/load.mjs [seconds-per-round] [rounds]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { Keypair } = require('@stellar/stellar-sdk');
const { Pool } = require('pg');
const { courses } = require('../data/courses.json');

const here = path.dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.argv[2] ?? 2);
const ROUNDS = Number(process.argv[3] ?? 3);
const pg = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: process.env.PGPORT ?? '5432',
  user: process.env.PGUSER ?? 'postgres',
  database: process.env.PGDATABASE ?? 'test',
};
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const quiz = courses[0].quizzes[0];
const answers = Object.fromEntries(quiz.questions.map((q) => [q.id, q.answer]));

// A local OTLP/HTTP sink: accepts and discards spans, counting them.
let spansReceived = 0;
const sink = createServer((req, res) => {
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
  });
  req.on('end', () => {
    spansReceived += size > 0 ? 1 : 0;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;

const admin = new Pool({ ...pg, max: 1 });

async function freePort() {
  const server = createNetServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const children = [];

const VARIANTS = {
  off: { tracing: false, env: { LOG_LEVEL: 'warn', HTTP_METRICS: 'off' } },
  'metrics+logs': { tracing: false, env: { LOG_LEVEL: 'info' } },
  on: { tracing: true, env: { LOG_LEVEL: 'info', OTEL_SERVICE_NAME: 'bench', OTEL_BSP_SCHEDULE_DELAY: '500' } },
};

async function startService(name) {
  const variant = VARIANTS[name];
  const schema = `bench_${name.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const env = {
    PATH: process.env.PATH,
    PORT: String(await freePort()),
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `postgresql://${pg.user}@${pg.host}:${pg.port}/${pg.database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `${schema}:`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    AUTH_RATE_LIMIT_MAX: '1000',
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    ...variant.env,
  };
  const args = [
    ...(variant.tracing ? ['--import', '@app/tracing/register'] : []),
    path.join(here, '..', 'dist', 'server.js'),
  ];
  // Log lines go to /dev/null: formatting and writing them is still paid, but a
  // busy load generator can never block the service on a full pipe.
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, args, {
    cwd: path.join(here, '..'),
    env,
    stdio: ['ignore', devNull, 'inherit'],
  });
  children.push({ child, schema });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${env.PORT}`;
  for (;;) {
    if (exited) throw new Error(`${name} exited during start`);
    const up = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const keypair = Keypair.random();
  const stellarAddress = keypair.publicKey();
  const post = async (route, body, headers = {}) =>
    (
      await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      })
    ).json();
  const { challenge } = await post('/auth/challenge', { stellarAddress });
  const signature = Buffer.from(keypair.signMessage(challenge)).toString('base64');
  const { token } = await post('/auth/verify', { stellarAddress, challenge, signature });
  return { name, url, token };
}

function load(service, kind, duration) {
  const read = { url: `${service.url}/quizzes/${quiz.id}` };
  const write = {
    url: `${service.url}/quizzes/${quiz.id}/submissions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${service.token}` },
    body: JSON.stringify({ answers }),
  };
  return autocannon({ ...(kind === 'read' ? read : write), connections: 10, duration });
}

try {
  const services = [];
  for (const name of Object.keys(VARIANTS)) services.push(await startService(name));
  const rows = [];
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const kind of ['read', 'submission']) {
    // Warm every variant (JIT, pools), then interleave short rounds so a noisy
    // neighbour hits every variant alike; report the median round.
    for (const service of services) await load(service, kind, 1);
    const rounds = Object.fromEntries(services.map((s) => [s.name, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const service of services) rounds[service.name].push(await load(service, kind, seconds));
    }
    const summary = {};
    for (const service of services) {
      const results = rounds[service.name];
      summary[service.name] = {
        rps: median(results.map((r) => r.requests.average)),
        p50: median(results.map((r) => r.latency.p50)),
        p99: median(results.map((r) => r.latency.p99)),
      };
      rows.push({
        route: kind === 'read' ? 'GET /quizzes/:quizId' : 'POST /quizzes/:quizId/submissions',
        observability: service.name,
        'req/s': Math.round(summary[service.name].rps),
        'p50 ms': summary[service.name].p50,
        'p99 ms': summary[service.name].p99,
        errors: results.reduce((n, r) => n + r.errors + r.non2xx, 0),
      });
    }
    for (const name of ['metrics+logs', 'on']) {
      rows.push({
        route: `  ratio ${name}/off`,
        observability: '',
        'req/s': (summary[name].rps / summary.off.rps).toFixed(2),
        'p50 ms': (summary[name].p50 / summary.off.p50).toFixed(2),
        'p99 ms': (summary[name].p99 / summary.off.p99).toFixed(2),
        errors: '',
      });
    }
  }
  console.table(rows);
  console.log(`OTLP export requests received by the sink: ${spansReceived}`);
} finally {
  for (const { child } of children) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const { schema } of children) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
  sink.close();
}
