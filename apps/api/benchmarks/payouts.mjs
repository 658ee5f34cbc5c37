#!/usr/bin/env node
// Payouts at ledger scale: LEARNERS new learners sign in, pass a quiz and then all claim their reward at once,
// spread over INSTANCES processes of the built service (apps/api/dist/server.js) that share one PostgreSQL
// schema, one Redis key prefix and one Stellar sandbox (its CLI, in a process of its own, closing a ledger every
// LEDGER_INTERVAL_MS). Phase `steady` runs it as is; phase `kill9` does the same with fresh learners, a fresh
// schema and sandbox, and SIGKILLs one instance once KILL_AT of the claims are confirmed, then restarts it.
//
// Every figure comes from the ledger, not from the service's counters: each confirmed claim's transaction is
// read back with getTransaction (ledger, operations, sources), every learner's account with getLedgerEntries.
// Checks (exit 1 when one fails): every claim confirmed; each learner's balance equals its one claim (no double
// payout; their sum equals the sum of confirmed claims); each claim's operation is in the transaction it
// records; every claim has reward_claim_requested, reward_payout_submitted and exactly one reward_claimed.
//
// Usage (after `npm run pnpm -- --filter @app/api build`, from the repository root; Node 24 from .tools):
//   nice -n 10 npm run pnpm -- --filter @app/api exec node benchmarks/payouts.mjs
// Environment (defaults in brackets): LEARNERS [1000], INSTANCES [3], LEDGER_INTERVAL_MS [1000],
// CHANNELS [2] (channel accounts funded by the sandbox, given as STELLAR_CHANNEL_SECRETS; 0 = none),
// BATCH_MAX_OPERATIONS [100] (STELLAR_BATCH_MAX_OPERATIONS), PHASES [steady,kill9], KILL_AT [0.5] (share of
// claims confirmed before the instance is killed, at the first moment after it with an envelope in flight; the
// run fails when every claim settled first: with few learners and big batches lower it, e.g. KILL_AT=0.01),
// SETTLE_TIMEOUT_S [LEARNERS * 1.5 + 120], PREPARE_CONCURRENCY [20], JSON_OUT (also write the JSON there),
// STELLAR_POLL_INTERVAL_MS, RECONCILE_INTERVAL_MS, CLAIM_WAIT_MS, STELLAR_TX_TIMEOUT_SECONDS (passed on to the
// instances when set; the service's defaults otherwise),
// KEEP_LOGS=1 (keep the instances' logs even when every check passes), SELF_CHECK=double-payout (pays one
// learner twice behind the service's back once all claims settled: the exactly-once checks must then fail).
// PostgreSQL and Redis as load.mjs (PGHOST, PGPORT, PGUSER, PGDATABASE, REDIS_URL).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Asset, BASE_FEE, Keypair, Operation, rpc, StrKey, TransactionBuilder, xdr } = require('@stellar/stellar-sdk');
const { Pool } = require('pg');
const Redis = require('ioredis');
const { courses } = require('../data/courses.json');

const here = path.dirname(fileURLToPath(import.meta.url));
const API_DIR = path.join(here, '..');
const SANDBOX_CLI = path.join(path.dirname(require.resolve('@app/stellar-sandbox')), 'cli.js');

function intEnv(name, fallback, min = 0) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min} (got "${raw}")`);
  return value;
}

const LEARNERS = intEnv('LEARNERS', 1000, 1);
const OPTIONS = {
  learners: LEARNERS,
  instances: intEnv('INSTANCES', 3, 1),
  ledgerIntervalMs: intEnv('LEDGER_INTERVAL_MS', 1000, 100),
  channels: intEnv('CHANNELS', 2, 0),
  batchMaxOperations: intEnv('BATCH_MAX_OPERATIONS', 100, 1),
  phases: (process.env.PHASES ?? 'steady,kill9').split(',').map((p) => p.trim()),
  killAt: Number(process.env.KILL_AT ?? 0.5),
  settleTimeoutS: intEnv('SETTLE_TIMEOUT_S', Math.ceil(LEARNERS * 1.5) + 120, 10),
  prepareConcurrency: intEnv('PREPARE_CONCURRENCY', 20, 1),
  // Service settings passed on to every instance when set (the service's defaults otherwise).
  serviceEnv: Object.fromEntries(
    ['STELLAR_POLL_INTERVAL_MS', 'RECONCILE_INTERVAL_MS', 'CLAIM_WAIT_MS', 'STELLAR_TX_TIMEOUT_SECONDS']
      .filter((name) => process.env[name])
      .map((name) => [name, process.env[name]]),
  ),
};
for (const phase of OPTIONS.phases) {
  if (!['steady', 'kill9'].includes(phase)) throw new Error(`PHASES: unknown phase "${phase}" (steady, kill9)`);
}
if (!(OPTIONS.killAt > 0 && OPTIONS.killAt < 1)) throw new Error('KILL_AT must be between 0 and 1 (exclusive)');
if (OPTIONS.phases.includes('kill9') && OPTIONS.instances < 2) throw new Error('the kill9 phase needs INSTANCES >= 2');

const pg = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: process.env.PGPORT ?? '5432',
  user: process.env.PGUSER ?? 'postgres',
  database: process.env.PGDATABASE ?? 'test',
};
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const quiz = courses[0].quizzes[0];
const passingAnswers = Object.fromEntries(quiz.questions.map((q) => [q.id, q.answer]));
const SETTLED = new Set(['confirmed', 'failed', 'expired']);
const STROOPS_PER_XLM = 10_000_000n;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const toStroops = (xlm) => {
  const [whole, fraction = ''] = String(xlm).split('.');
  return BigInt(whole) * STROOPS_PER_XLM + BigInt(fraction.padEnd(7, '0').slice(0, 7));
};
const toXlm = (stroops) => {
  const sign = stroops < 0n ? '-' : '';
  const abs = stroops < 0n ? -stroops : stroops;
  return `${sign}${abs / STROOPS_PER_XLM}.${String(abs % STROOPS_PER_XLM).padStart(7, '0')}`;
};

async function freePort() {
  const server = createNetServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function pooled(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// --- processes ---------------------------------------------------------------------------------------------

const children = new Set();

/** Starts the sandbox CLI in its own process; resolves with what it printed (URL, passphrase, funded keys). */
async function startSandbox(logDir, accounts, startingBalance) {
  const args = [
    SANDBOX_CLI,
    '--port',
    String(await freePort()),
    '--ledger-interval-ms',
    String(OPTIONS.ledgerIntervalMs),
    '--accounts',
    String(accounts),
    '--starting-balance',
    startingBalance,
    '--show-secrets',
    '--json',
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', openSync(path.join(logDir, 'sandbox.stderr'), 'w')],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const info = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(out.slice(0, newline)));
    });
    child.once('exit', (code) => reject(new Error(`stellar-sandbox exited with ${code} (see ${logDir})`)));
  });
  return { ...info, child };
}

/** One instance of the built service: `start()` spawns it (again) and waits for /health. */
function serviceInstance(index, env, logDir) {
  const instance = {
    index,
    url: `http://127.0.0.1:${env.PORT}`,
    metricsUrl: `http://127.0.0.1:${env.METRICS_PORT}/metrics`,
    child: undefined,
    starts: 0,
    async start() {
      instance.starts += 1;
      const file = path.join(logDir, `instance-${index}.${instance.starts}.log`);
      const fd = openSync(file, 'w');
      const child = spawn(process.execPath, [path.join(API_DIR, 'dist', 'server.js')], {
        cwd: API_DIR,
        env,
        stdio: ['ignore', fd, fd],
      });
      instance.child = child;
      children.add(child);
      child.once('exit', () => children.delete(child));
      const deadline = Date.now() + 120_000;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`instance ${index} exited during start (see ${file})`);
        }
        const up = await fetch(`${instance.url}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) return;
        if (Date.now() > deadline) throw new Error(`instance ${index} not healthy within 120 s (see ${file})`);
        await sleep(200);
      }
    },
    /** SIGKILL (kill -9) and wait until the process is gone. */
    async kill9() {
      const child = instance.child;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGKILL');
      await exited;
    },
    async stop() {
      const child = instance.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return instance;
}

// --- the learner's side (HTTP, as a wallet would) ----------------------------------------------------------

async function call(baseUrl, method, route, body, token) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(`${method} ${route} -> ${response.status} ${JSON.stringify(json)}`);
    error.status = response.status;
    throw error;
  }
  return { status: response.status, json };
}

/** A new keypair signs in (SEP-53) and passes the quiz on its instance; the claim comes later, all at once. */
async function prepareLearner(instance) {
  const keypair = Keypair.random();
  const stellarAddress = keypair.publicKey();
  const { json: challenge } = await call(instance.url, 'POST', '/auth/challenge', { stellarAddress });
  const signature = Buffer.from(keypair.signMessage(challenge.challenge)).toString('base64');
  const { json: session } = await call(instance.url, 'POST', '/auth/verify', {
    stellarAddress,
    challenge: challenge.challenge,
    signature,
  });
  const { json: submission } = await call(
    instance.url,
    'POST',
    `/quizzes/${quiz.id}/submissions`,
    { answers: passingAnswers },
    session.token,
  );
  if (!submission.passed) throw new Error(`quiz not passed: ${JSON.stringify(submission)}`);
  return { address: stellarAddress, token: session.token, submissionId: submission.submissionId, instance };
}

/**
 * POST /rewards/claims on the learner's instance; a refused connection or a 5xx (an instance killed under it)
 * is asked again on the next instance, as a client behind a load balancer would. Asking again is safe: the
 * same submission gets the same claim.
 */
async function claim(learner, instances) {
  let lastError;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const instance = instances[(learner.instance.index + attempt) % instances.length];
    try {
      const { status, json } = await call(
        instance.url,
        'POST',
        '/rewards/claims',
        { submissionId: learner.submissionId },
        learner.token,
      );
      return { claimId: json.claimId, httpStatus: status, attempts: attempt + 1 };
    } catch (error) {
      lastError = error;
      if (error.status !== undefined && error.status < 500) break;
      await sleep(200);
    }
  }
  return { error: String(lastError?.message ?? lastError) };
}

// --- reading the ledger ------------------------------------------------------------------------------------

/** Balances (stroops) of `addresses` from getLedgerEntries, 200 keys a call; a missing account is absent. */
async function balances(server, addresses) {
  const found = new Map();
  for (let i = 0; i < addresses.length; i += 200) {
    const keys = addresses
      .slice(i, i + 200)
      .map((a) =>
        xdr.LedgerKey.account(new xdr.LedgerKeyAccount({ accountId: Keypair.fromPublicKey(a).xdrAccountId() })),
      );
    const { entries } = await server.getLedgerEntries(...keys);
    for (const entry of entries) {
      // stellar-sdk 17 answers plain XDR objects (fields, bigint amounts); older releases answer accessor methods.
      const field = (object, name) => (typeof object[name] === 'function' ? object[name]() : object[name]);
      const account = field(entry.val, 'account');
      const key = field(field(account, 'accountId'), 'ed25519');
      const address = StrKey.encodeEd25519PublicKey(Buffer.from(key.value ?? key));
      found.set(address, BigInt(field(account, 'balance').toString()));
    }
  }
  return found;
}

/**
 * Every distinct transaction the confirmed claims name, read back with getTransaction: its ledger, its source,
 * and its payout operations (createAccount / native payment) by destination.
 */
async function readTransactions(server, passphrase, hashes) {
  const transactions = new Map();
  await pooled([...hashes], 8, async (hash) => {
    const got = await server.getTransaction(hash);
    const tx = TransactionBuilder.fromXDR(got.envelopeXdr, passphrase);
    const payouts = tx.operations
      .map((op, index) => ({
        index,
        type: op.type,
        destination: op.destination,
        stroops: toStroops(op.type === 'createAccount' ? op.startingBalance : (op.amount ?? '0')),
        operationSource: op.source ?? tx.source,
      }))
      .filter((op) => op.type === 'createAccount' || op.type === 'payment');
    transactions.set(hash, { status: got.status, ledger: got.ledger, source: tx.source, payouts });
  });
  return transactions;
}

// --- one phase ---------------------------------------------------------------------------------------------

const admin = new Pool({ ...pg, max: 2 });

async function scrapeMetrics(instances) {
  const pages = await Promise.all(
    instances.map((i) =>
      fetch(i.metricsUrl).then(
        (r) => r.text(),
        () => '',
      ),
    ),
  );
  const text = pages.join('\n');
  const value = (page, pattern) => Number(page.match(pattern)?.[1] ?? 0);
  // What ops' job_kind:onchain_operations_per_ledger:mean5m computes: the instances' per-ledger histograms
  // summed, sum / count (over the whole run instead of 5 minutes), to set beside the ledger's own figure.
  const pattern = (suffix) =>
    new RegExp(`^onchain_operations_per_ledger_${suffix}\\{[^}]*kind="reward_payout"[^}]*\\} (\\S+)`, 'm');
  const [perLedgerSum, perLedgerCount] = ['sum', 'count'].map((suffix) =>
    pages.reduce((total, page) => total + value(page, pattern(suffix)), 0),
  );
  const perLedgerSummed = perLedgerCount > 0 ? perLedgerSum / perLedgerCount : null;
  const sum = (pattern) =>
    text
      .split('\n')
      .filter((line) => pattern.test(line))
      .reduce((total, line) => total + Number(line.split(' ').pop()), 0);
  return {
    operationsPerLedgerFromSummedHistograms: perLedgerSummed === null ? null : Number(perLedgerSummed.toFixed(2)),
    channelsReported: new Set(
      [...text.matchAll(/^onchain_channel_in_flight\{[^}]*channel="([^"]+)"/gm)].map((m) => m[1]),
    ).size,
    envelopesCommitted: sum(/^onchain_batch_operations_count\{[^}]*kind="reward_payout"/),
    operationsInEnvelopes: sum(/^onchain_batch_operations_sum\{[^}]*kind="reward_payout"/),
    payoutSubmissionsByStatus: Object.fromEntries(
      [...text.matchAll(/^stellar_transactions_total\{[^}]*method="reward_payout"[^}]*\} (\S+)/gm)]
        .map((m) => [/status="([^"]+)"/.exec(m[0])?.[1], Number(m[1])])
        .reduce((acc, [status, n]) => acc.set(status, (acc.get(status) ?? 0) + n), new Map()),
    ),
  };
}

async function runPhase(phase) {
  const label = `bench_payouts_${phase}_${randomBytes(3).toString('hex')}`;
  const logDir = mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  const result = { phase, logDir, checks: {} };
  log(`[${phase}] logs in ${logDir}`);

  // Sandbox: distributor, issuer and the channel accounts, each with enough XLM for every reward.
  const totalReward = toStroops(quiz.rewardAmount) * BigInt(OPTIONS.learners);
  const startingBalance = toXlm(totalReward * 2n + 10_000n * STROOPS_PER_XLM).split('.')[0];
  const sandbox = await startSandbox(logDir, 2 + OPTIONS.channels, startingBalance);
  const [distributor, issuer, ...channels] = sandbox.accounts;
  const server = new rpc.Server(sandbox.url, { allowHttp: true });

  await admin.query(`CREATE SCHEMA "${label}"`);
  const pool = new Pool({ ...pg, max: 4, options: `-c search_path=${label}` });
  const redisPrefix = `${label}:`;
  const instances = [];
  try {
    const jwtSecret = randomBytes(32).toString('hex');
    for (let index = 0; index < OPTIONS.instances; index += 1) {
      const env = {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: String(await freePort()),
        DATABASE_URL: `postgresql://${pg.user}@${pg.host}:${pg.port}/${pg.database}?options=${encodeURIComponent(`-c search_path=${label}`)}`,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: redisPrefix,
        STELLAR_RPC_URL: sandbox.url,
        STELLAR_NETWORK_PASSPHRASE: sandbox.networkPassphrase,
        STELLAR_DISTRIBUTOR_SECRET: distributor.secret,
        STELLAR_ISSUER_SECRET: issuer.secret,
        STELLAR_CREDENTIAL_CONTRACT_ID: sandbox.credentialContractId,
        ...(channels.length > 0 ? { STELLAR_CHANNEL_SECRETS: channels.map((c) => c.secret).join(',') } : {}),
        STELLAR_BATCH_MAX_OPERATIONS: String(OPTIONS.batchMaxOperations),
        JWT_SECRET: jwtSecret,
        // 3 requests per learner from one address: the per-IP sign-in limit is not what is measured here.
        AUTH_RATE_LIMIT_MAX: String(10 * OPTIONS.learners + 100),
        OTEL_SDK_DISABLED: 'true',
        LOG_LEVEL: 'warn',
        ...OPTIONS.serviceEnv,
      };
      instances.push(serviceInstance(index, env, logDir));
    }
    // The first instance migrates alone, then the others start together.
    await instances[0].start();
    await Promise.all(instances.slice(1).map((i) => i.start()));
    log(`[${phase}] ${instances.length} instances up; sandbox ${sandbox.url}, ${channels.length} channel account(s)`);

    // Every learner signs in and passes the quiz on its instance (round-robin); not measured.
    let prepared = 0;
    const learners = await pooled(
      Array.from({ length: OPTIONS.learners }, (_, i) => instances[i % instances.length]),
      OPTIONS.prepareConcurrency,
      async (instance) => {
        const learner = await prepareLearner(instance);
        prepared += 1;
        if (prepared % 200 === 0)
          log(`[${phase}] ${prepared}/${OPTIONS.learners} learners signed in with a passed quiz`);
        return learner;
      },
    );
    const sourcesBefore = await sourceSequences(server, [distributor, ...channels]);

    // All claims at once.
    const startLedger = (await server.getLatestLedger()).sequence;
    const claimStarted = Date.now();
    log(`[${phase}] ${learners.length} claims at once from ledger ${startLedger}`);
    let killed;
    const claimsDone = Promise.all(learners.map((learner) => claim(learner, instances)));
    claimsDone.catch(() => {});

    // Wait until every claim is settled, killing one instance in the middle in the kill9 phase.
    const deadline = Date.now() + OPTIONS.settleTimeoutS * 1000;
    let lastProgress = 0;
    let counts = {};
    let allRequestedLedger;
    for (;;) {
      const { rows } = await pool.query('SELECT status, count(*)::int AS n FROM reward_claims GROUP BY status');
      counts = Object.fromEntries(rows.map((r) => [r.status, r.n]));
      if (allRequestedLedger === undefined && rows.reduce((n, r) => n + r.n, 0) === OPTIONS.learners) {
        // Every claim row exists: the intake is over, what follows is the payout pipeline alone.
        allRequestedLedger = (await server.getLatestLedger()).sequence;
      }
      const settled = rows.filter((r) => SETTLED.has(r.status)).reduce((n, r) => n + r.n, 0);
      // In the middle: KILL_AT of the claims confirmed and an envelope in flight (submitted, outcome unknown).
      if (
        phase === 'kill9' &&
        !killed &&
        (counts.confirmed ?? 0) >= OPTIONS.killAt * OPTIONS.learners &&
        (counts.submitted ?? 0) > 0
      ) {
        const victim = instances[1];
        const ledger = (await server.getLatestLedger()).sequence;
        killed = { instance: victim.index, ledger, atSecond: (Date.now() - claimStarted) / 1000, statusAtKill: counts };
        log(
          `[${phase}] kill -9 instance ${victim.index} (pid ${victim.child.pid}) at ledger ${ledger}: ${JSON.stringify(counts)}`,
        );
        await victim.kill9();
        await victim.start();
        killed.restartedAfterSecond = (Date.now() - claimStarted) / 1000 - killed.atSecond;
        log(`[${phase}] instance ${victim.index} restarted after ${killed.restartedAfterSecond.toFixed(1)} s`);
        continue; // the counts above are from before the restart
      }
      if (settled === OPTIONS.learners) break;
      if (Date.now() > deadline) {
        result.timedOut = true;
        log(`[${phase}] not every claim settled within ${OPTIONS.settleTimeoutS} s: ${JSON.stringify(counts)}`);
        break;
      }
      if (Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        const ledger = (await server.getLatestLedger()).sequence;
        log(`[${phase}] ledger ${ledger} (+${ledger - startLedger}) ${JSON.stringify(counts)}`);
      }
      await sleep(250);
    }
    const settledSeconds = (Date.now() - claimStarted) / 1000;
    const claimAnswers = await Promise.race([claimsDone, sleep(30_000).then(() => undefined)]);
    // An instance observes a ledger's count at the second reconciler pass after it: let them pass twice.
    await sleep(2 * Number(OPTIONS.serviceEnv.RECONCILE_INTERVAL_MS ?? 2000) + 1000);
    const metrics = await scrapeMetrics(instances);
    const sourcesAfter = await sourceSequences(server, [distributor, ...channels]);

    if (process.env.SELF_CHECK === 'double-payout') {
      // Proves the exactly-once checks can fail: one learner is paid a second time behind the service's back.
      await payAgain(server, sandbox.networkPassphrase, distributor, learners[0].address, quiz.rewardAmount);
      log(`[${phase}] SELF_CHECK: paid ${learners[0].address} a second time; the exactly-once checks must fail`);
    }

    // --- read back and check ------------------------------------------------------------------------------
    const { rows: claims } = await pool.query('SELECT * FROM reward_claims');
    const confirmed = claims.filter((c) => c.status === 'confirmed');
    const transactions = await readTransactions(
      server,
      sandbox.networkPassphrase,
      new Set(confirmed.map((c) => c.tx_hash)),
    );
    const learnerAddresses = learners.map((l) => l.address);
    const learnerSet = new Set(learnerAddresses);
    const onLedger = await balances(server, learnerAddresses);

    // Payouts per ledger, from the transactions on the ledger (operations paying one of our learners).
    const perLedger = new Map();
    for (const tx of transactions.values()) {
      const paid = tx.payouts.filter((op) => learnerSet.has(op.destination)).length;
      const entry = perLedger.get(tx.ledger) ?? { payouts: 0, transactions: 0, sources: new Set() };
      entry.payouts += paid;
      entry.transactions += 1;
      entry.sources.add(tx.source);
      perLedger.set(tx.ledger, entry);
    }
    const ledgersWithPayouts = [...perLedger.keys()].sort((a, b) => a - b);
    const lastLedger = ledgersWithPayouts.at(-1) ?? startLedger;
    const ledgersToConfirmAll = lastLedger - startLedger;
    const payoutsOnLedger = [...perLedger.values()].reduce((n, e) => n + e.payouts, 0);

    // Exactly once: each learner's balance is its one confirmed claim; no other learner has an account.
    const claimOf = new Map(confirmed.map((c) => [c.destination, c]));
    let wrongBalances = 0;
    let balanceSum = 0n;
    for (const address of learnerAddresses) {
      const balance = onLedger.get(address);
      balanceSum += balance ?? 0n;
      const expected = claimOf.has(address) ? toStroops(claimOf.get(address).amount) : undefined;
      if (balance !== expected) wrongBalances += 1;
    }
    const confirmedSum = confirmed.reduce((n, c) => n + toStroops(c.amount), 0n);
    // Each confirmed claim's own operation is in the transaction it records (at the operation index it records,
    // where the service records one), for its amount, in a successful transaction of the ledger it records.
    const misrecorded = confirmed.filter((c) => {
      const tx = transactions.get(c.tx_hash);
      const mine = tx?.payouts.filter((op) => op.destination === c.destination && op.stroops === toStroops(c.amount));
      return (
        tx?.status !== 'SUCCESS' ||
        tx.ledger !== c.ledger ||
        mine.length !== 1 ||
        (c.op_index !== undefined && c.op_index !== null && mine[0].index !== c.op_index)
      );
    }).length;
    // Operations paying our learners across every transaction read: one per learner.
    const paidTimes = new Map();
    for (const tx of transactions.values()) {
      for (const op of tx.payouts) {
        if (learnerSet.has(op.destination)) paidTimes.set(op.destination, (paidTimes.get(op.destination) ?? 0) + 1);
      }
    }
    const paidTwice = [...paidTimes.values()].filter((n) => n > 1).length;

    // Audit: requested, submitted, and exactly one reward_claimed per claim, naming the claim's transaction.
    const { rows: audit } = await pool.query(
      `SELECT resource_id, event, count(*)::int AS n, array_agg(tx_hash) AS hashes
         FROM audit_events WHERE resource = 'reward_claim' GROUP BY resource_id, event`,
    );
    const eventsOf = new Map();
    for (const row of audit) {
      const events = eventsOf.get(row.resource_id) ?? {};
      events[row.event] = row;
      eventsOf.set(row.resource_id, events);
    }
    const missingAudit = claims.filter((c) => {
      const e = eventsOf.get(c.id) ?? {};
      return (
        !e.reward_claim_requested ||
        !e.reward_payout_submitted ||
        e.reward_claimed?.n !== 1 ||
        e.reward_claimed.hashes[0] !== c.tx_hash
      );
    }).length;

    const sequenceAdvance = Object.keys(sourcesBefore).reduce(
      (n, key) => n + Number(sourcesAfter[key] - sourcesBefore[key]),
      0,
    );
    const distinctSources = new Set([...transactions.values()].map((t) => t.source));
    Object.assign(result, {
      learners: OPTIONS.learners,
      claimRequestsAnswered: claimAnswers ? claimAnswers.filter((a) => !a.error).length : null,
      claimRequestErrors: claimAnswers
        ? [...new Set(claimAnswers.filter((a) => a.error).map((a) => a.error))].slice(0, 5)
        : null,
      claimRequestsRetried: claimAnswers ? claimAnswers.filter((a) => a.attempts > 1).length : null,
      statusCounts: counts,
      startLedger,
      lastPayoutLedger: lastLedger,
      firstPayoutLedger: ledgersWithPayouts[0] ?? null,
      allClaimsRequestedAtLedger: allRequestedLedger ?? null,
      ledgersFromAllRequestedToConfirmAll: allRequestedLedger === undefined ? null : lastLedger - allRequestedLedger,
      ledgersToConfirmAll,
      secondsToSettleAll: Number(settledSeconds.toFixed(1)),
      transactionsOnLedger: transactions.size,
      payoutSourceSequenceAdvance: sequenceAdvance,
      transactionSources: distinctSources.size,
      ledgersWithPayouts: ledgersWithPayouts.length,
      payoutsPerLedger: {
        overall: ledgersToConfirmAll > 0 ? Number((payoutsOnLedger / ledgersToConfirmAll).toFixed(2)) : null,
        busiestLedger: Math.max(0, ...[...perLedger.values()].map((e) => e.payouts)),
        medianOfLedgersWithPayouts: median([...perLedger.values()].map((e) => e.payouts)),
        meanOfLedgersWithPayouts: Number((payoutsOnLedger / Math.max(1, perLedger.size)).toFixed(2)),
        maxTransactionsInOneLedger: Math.max(0, ...[...perLedger.values()].map((e) => e.transactions)),
      },
      perLedger: Object.fromEntries(ledgersWithPayouts.map((l) => [l, perLedger.get(l).payouts])),
      confirmedSumXlm: toXlm(confirmedSum),
      learnerBalanceSumXlm: toXlm(balanceSum),
      serviceMetrics: metrics,
      killed,
    });
    result.checks = {
      everyClaimConfirmed: !result.timedOut && confirmed.length === OPTIONS.learners,
      balanceSumEqualsConfirmedSum: balanceSum === confirmedSum,
      everyBalanceIsOneClaim: wrongBalances === 0,
      noDestinationPaidTwice: paidTwice === 0,
      everyClaimInItsTransaction: misrecorded === 0,
      everyClaimAudited: missingAudit === 0,
      // In the middle: an envelope was in flight when the instance was killed, and it came back.
      ...(phase === 'kill9'
        ? {
            instanceKilledInTheMiddleAndRestarted:
              killed?.restartedAfterSecond !== undefined && (killed.statusAtKill.submitted ?? 0) > 0,
          }
        : {}),
    };
    result.failures = { wrongBalances, paidTwice, misrecorded, missingAudit };
    return result;
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
    sandbox.child.kill('SIGTERM');
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS "${label}" CASCADE`);
    await dropRedisKeys(redisPrefix);
    const passed = Object.values(result.checks).length > 0 && Object.values(result.checks).every(Boolean);
    if (passed && !process.env.KEEP_LOGS) {
      rmSync(logDir, { recursive: true, force: true });
      delete result.logDir;
    }
  }
}

async function payAgain(server, passphrase, payer, destination, amount) {
  const tx = new TransactionBuilder(await server.getAccount(payer.publicKey), {
    fee: BASE_FEE,
    networkPassphrase: passphrase,
  })
    .addOperation(Operation.payment({ destination, asset: Asset.native(), amount }))
    .setTimeout(30)
    .build();
  tx.sign(Keypair.fromSecret(payer.secret));
  const sent = await server.sendTransaction(tx);
  if (sent.status !== 'PENDING') throw new Error(`SELF_CHECK payment refused: ${sent.status}`);
  for (;;) {
    const got = await server.getTransaction(sent.hash);
    if (got.status === 'SUCCESS') return;
    if (got.status !== 'NOT_FOUND') throw new Error(`SELF_CHECK payment ${got.status}`);
    await sleep(200);
  }
}

async function sourceSequences(server, accounts) {
  const sequences = {};
  for (const account of accounts) {
    sequences[account.publicKey] = BigInt((await server.getAccount(account.publicKey)).sequenceNumber());
  }
  return sequences;
}

async function dropRedisKeys(prefix) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// --- main --------------------------------------------------------------------------------------------------

const stopChildren = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.once('SIGINT', () => {
  stopChildren();
  process.exit(130);
});

const report = {
  benchmark: 'payouts',
  startedAt: new Date().toISOString(),
  options: OPTIONS,
  machine: { cpus: os.cpus().length, loadavg1mAtStart: Number(os.loadavg()[0].toFixed(2)), node: process.version },
  phases: [],
};
let exitCode = 0;
try {
  for (const phase of OPTIONS.phases) report.phases.push(await runPhase(phase));
} catch (error) {
  log(`benchmark aborted: ${error.stack ?? error}`);
  exitCode = 2;
} finally {
  stopChildren();
  await admin.end();
}
report.machine.loadavg1mAtEnd = Number(os.loadavg()[0].toFixed(2));

const rows = report.phases.map((p) => ({
  phase: p.phase,
  learners: p.learners,
  confirmed: p.statusCounts?.confirmed ?? 0,
  'ledgers to confirm all': p.ledgersToConfirmAll,
  'of which intake': p.allClaimsRequestedAtLedger == null ? '' : p.allClaimsRequestedAtLedger - p.startLedger,
  seconds: p.secondsToSettleAll,
  'payouts/ledger': p.payoutsPerLedger?.overall,
  'busiest ledger': p.payoutsPerLedger?.busiestLedger,
  transactions: p.transactionsOnLedger,
  'kill -9': p.killed ? `instance ${p.killed.instance} at +${p.killed.ledger - p.startLedger} ledgers` : '',
  'exactly once':
    p.checks.balanceSumEqualsConfirmedSum && p.checks.everyBalanceIsOneClaim && p.checks.noDestinationPaidTwice,
  audited: p.checks.everyClaimAudited,
}));
console.table(rows);
for (const p of report.phases) {
  const failed = Object.entries(p.checks)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  if (failed.length > 0 || Object.keys(p.checks).length === 0) {
    exitCode ||= 1;
    console.log(
      `${p.phase}: FAILED ${failed.join(', ') || 'no result'} ${JSON.stringify(p.failures ?? {})}; logs in ${p.logDir}`,
    );
  }
}
const json = JSON.stringify(report, null, 2);
console.log(json);
if (process.env.JSON_OUT) writeFileSync(process.env.JSON_OUT, `${json}\n`);
process.exit(exitCode);
