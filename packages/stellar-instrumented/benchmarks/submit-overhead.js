'use strict';
// Overhead of @app/stellar-instrumented against the raw SDK, side by side in one
// run, both against the local sandbox with zero injected latency.
//   node benchmarks/submit-overhead.js            (after `pnpm build`)
// The sandbox closes a ledger right after each sendTransaction answers (no
// ledger timer), so every submission is exactly one send, one poll interval and
// one getTransaction for every variant (checked for the wrapper on every run):
// what differs is the wrapper's own cost. The raw loop computes the hash before
// sending, as the issue requires of a submission that must not pay twice.
// Variants run in rotating order (the per-call loop ABBA) so GC and machine
// load hit all alike. Knobs: BENCH_SUBMISSIONS, BENCH_CALLS.
const { performance } = require('node:perf_hooks');
const { Asset, Keypair, Operation, rpc, TransactionBuilder } = require('@stellar/stellar-sdk');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { Registry } = require('prom-client');
const { startSandbox } = require('@app/stellar-sandbox');
const { createStellarClient } = require('..');

const SUBMISSIONS = Number(process.env.BENCH_SUBMISSIONS ?? 300);
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const POLL_MS = 2;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hex = (tx) => Buffer.from(tx.hash()).toString('hex');

/**
 * The loop an application writes with the bare SDK when it must not pay twice:
 * take the hash first (so it can be persisted before anything is sent, as
 * submitAndWait does), send, then poll getTransaction.
 */
async function rawSubmit(server, tx) {
  const hash = hex(tx);
  const sent = await server.sendTransaction(tx);
  if (sent.hash !== hash) throw new Error(`raw send answered hash ${sent.hash}, expected ${hash}`);
  if (sent.status !== 'PENDING') throw new Error(`raw send ${sent.status}`);
  for (;;) {
    await sleep(POLL_MS);
    const got = await server.getTransaction(sent.hash);
    if (got.status !== 'NOT_FOUND') return got.status;
  }
}

/** A fair comparison: the wrapper made exactly the raw loop's RPC calls (one send, one poll). */
function sameCalls(outcome) {
  if (outcome.attempts !== 1 || outcome.polls !== 1)
    throw new Error(`submitAndWait made ${outcome.attempts} sends and ${outcome.polls} polls, the raw loop 1 and 1`);
  return outcome.status;
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { mean, median: sorted[Math.floor(sorted.length / 2)], p90: sorted[Math.floor(sorted.length * 0.9)] };
}

function row(name, base, other) {
  const f = (n) => n.toFixed(3).padStart(9);
  const ratio = other.median / base.median;
  return `${name.padEnd(34)} ${f(other.mean)} ${f(other.median)} ${f(other.p90)}   x${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)} %)`;
}

async function main() {
  const sandbox = await startSandbox({ ledgerIntervalMs: 0, fundedAccounts: 2 });
  const sdkServer = new rpc.Server(sandbox.url, { allowHttp: true });
  // Same server object for every variant: the ledger closes as soon as a send is answered.
  const server = new Proxy(sdkServer, {
    get(target, key) {
      if (key !== 'sendTransaction') return Reflect.get(target, key);
      return async (tx) => {
        const sent = await target.sendTransaction(tx);
        await sandbox.closeLedger();
        return sent;
      };
    },
  });
  const exporter = {
    export: (_spans, done) => done({ code: 0 }),
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const client = createStellarClient({
    server,
    registry: new Registry(),
    tracer: provider.getTracer('bench'),
    pollIntervalMs: POLL_MS,
  });

  const bare = createStellarClient({ server, pollIntervalMs: POLL_MS });

  const source = Keypair.fromSecret(sandbox.accounts[0].secret);
  const account = await server.getAccount(source.publicKey());
  const next = () => {
    const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: sandbox.networkPassphrase })
      .addOperation(
        Operation.payment({ destination: sandbox.accounts[1].publicKey, asset: Asset.native(), amount: '0.0000001' }),
      )
      .setTimeout(60)
      .build();
    tx.sign(source);
    return tx;
  };

  // Warm every path (JIT, sockets, metric children).
  for (let i = 0; i < 10; i++) {
    await rawSubmit(server, next());
    await bare.submitAndWait(next(), { method: 'bench_payment' });
    await client.submitAndWait(next(), { method: 'bench_payment' });
  }

  // `control` runs the raw loop again: its distance from `raw` is the noise floor of this run.
  const kinds = ['raw', 'control', 'bare', 'inst'];
  const wall = { raw: [], control: [], bare: [], inst: [] };
  const cpu = { raw: 0, control: 0, bare: 0, inst: 0 };
  const runs = {
    raw: (tx) => rawSubmit(server, tx),
    control: (tx) => rawSubmit(server, tx),
    bare: (tx) => bare.submitAndWait(tx, { method: 'bench_payment' }).then(sameCalls),
    inst: (tx) => client.submitAndWait(tx, { method: 'bench_payment' }).then(sameCalls),
  };
  for (let i = 0; i < SUBMISSIONS; i++) {
    // Rotating order: no variant always runs first (after another's garbage, or at the same ledger phase).
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(i + k) % kinds.length];
      const tx = next();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const status = await runs[kind](tx);
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (status !== 'SUCCESS' && status !== 'success') throw new Error(`${kind} ${hex(tx)} ended ${status}`);
      wall[kind].push(ms);
      cpu[kind] += c.user + c.system;
    }
  }

  const rawCall = [];
  const instCall = [];
  for (let i = 0; i < CALLS; i++) {
    for (const kind of i % 2 === 0 ? ['raw', 'inst'] : ['inst', 'raw']) {
      const t0 = performance.now();
      await (kind === 'raw' ? server.getLatestLedger() : client.getLatestLedger());
      (kind === 'raw' ? rawCall : instCall).push(performance.now() - t0);
    }
  }

  const rs = stats(wall.raw);
  console.log(`node ${process.version}, sandbox ledger closed after each send, poll after ${POLL_MS} ms, zero latency`);
  console.log(
    `${'per submission (wall ms)'.padEnd(34)} ${'mean'.padStart(9)} ${'median'.padStart(9)} ${'p90'.padStart(9)}`,
  );
  console.log(row(`raw SDK hash+send+poll (n=${SUBMISSIONS})`, rs, rs));
  console.log(row('raw SDK again (noise control)', rs, stats(wall.control)));
  console.log(row('submitAndWait, no telemetry', rs, stats(wall.bare)));
  console.log(row('submitAndWait + metrics + spans', rs, stats(wall.inst)));
  const perSubmission = (kind) => cpu[kind] / SUBMISSIONS;
  console.log(
    `CPU µs per submission (incl. in-process sandbox): raw ${perSubmission('raw').toFixed(0)}, ` +
      `control ${perSubmission('control').toFixed(0)} (x${(perSubmission('control') / perSubmission('raw')).toFixed(3)}), ` +
      `no telemetry ${perSubmission('bare').toFixed(0)} (x${(perSubmission('bare') / perSubmission('raw')).toFixed(3)}), ` +
      `metrics + spans ${perSubmission('inst').toFixed(0)} (x${(perSubmission('inst') / perSubmission('raw')).toFixed(3)})`,
  );
  const rc = stats(rawCall);
  const ic = stats(instCall);
  console.log(
    `${`per getLatestLedger call (n=${CALLS})`.padEnd(34)} ${'mean'.padStart(9)} ${'median'.padStart(9)} ${'p90'.padStart(9)}`,
  );
  console.log(row('raw SDK', rc, rc));
  console.log(row('instrumented (timeout+metric+span)', rc, ic));

  // The wrapper's own CPU, without HTTP or sandbox: a server that answers PENDING, then SUCCESS at once.
  const okResult = { feeCharged: 100n, result: { type: 'txSuccess', results: [] } };
  const memServer = {
    sendTransaction: async (tx) => ({ status: 'PENDING', hash: hex(tx), latestLedger: 2, latestLedgerCloseTime: '2' }),
    getTransaction: async () => ({
      status: 'SUCCESS',
      ledger: 2,
      latestLedger: 2,
      latestLedgerCloseTime: '2',
      resultXdr: okResult,
    }),
  };
  const memRuns = {
    raw: (tx) => rawSubmit(memServer, tx),
    bare: (tx) => createdBare.submitAndWait(tx, { method: 'bench_payment' }).then(sameCalls),
    inst: (tx) => createdInst.submitAndWait(tx, { method: 'bench_payment' }).then(sameCalls),
  };
  const createdBare = createStellarClient({ server: memServer, pollIntervalMs: POLL_MS });
  const createdInst = createStellarClient({
    server: memServer,
    registry: new Registry(),
    tracer: provider.getTracer('bench'),
    pollIntervalMs: POLL_MS,
  });
  const memTxs = Array.from({ length: SUBMISSIONS }, next);
  const memCpu = { raw: 0, bare: 0, inst: 0 };
  for (let round = 0; round < 4; round++) {
    for (const kind of round % 2 === 0 ? ['raw', 'bare', 'inst'] : ['inst', 'bare', 'raw']) {
      const c0 = process.cpuUsage();
      for (const tx of memTxs) await memRuns[kind](tx);
      const c = process.cpuUsage(c0);
      // Round 0 warms up.
      if (round > 0) memCpu[kind] += (c.user + c.system) / (3 * SUBMISSIONS);
    }
  }
  const us = (n) => n.toFixed(0);
  console.log(
    `CPU µs per submission, in-memory server (n=3x${SUBMISSIONS}): raw ${us(memCpu.raw)}, no telemetry ${us(memCpu.bare)} ` +
      `(+${us(memCpu.bare - memCpu.raw)}), metrics + spans ${us(memCpu.inst)} (+${us(memCpu.inst - memCpu.raw)}); ` +
      `the wrapper's extra CPU is ${(((memCpu.inst - memCpu.raw) / 1000 / rs.median) * 100).toFixed(1)} % of the raw median above`,
  );

  await provider.shutdown();
  await sandbox.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
