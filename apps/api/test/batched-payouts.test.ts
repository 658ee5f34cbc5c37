import { Keypair, type Operation, rpc, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk';
import type { Registry } from 'prom-client';
import type { JobRow } from '../src/stellar/onchain-jobs';
import { auditRows, buildApp, createTestEnv, passQuiz, seedClaims, signIn, type TestApp, type TestEnv } from './helper';

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const found = await registry.getSingleMetric(name)?.get();
  return found?.values.filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
}

/**
 * 30 claims, batches of 10, 2 channel accounts, one claim whose operation fails inside its batch;
 * real PostgreSQL, the real sandbox and the SDK's rpc.Server. Ledgers are closed by the test once
 * every committed envelope was sent, so both channels' envelopes can meet in one ledger.
 */
describe('batched payouts over two channel accounts', () => {
  let env: TestEnv;
  let t: TestApp;
  const CLAIMS = 30;

  beforeAll(async () => {
    env = await createTestEnv('api_batches', { fundedAccounts: 4, ledgerIntervalMs: 0 });
    t = await buildApp(env, {
      env: {
        STELLAR_BATCH_MAX_OPERATIONS: '10',
        CLAIM_WAIT_MS: '0',
        STELLAR_POLL_INTERVAL_MS: '50',
        AUTH_RATE_LIMIT_MAX: '1000',
      },
      channels: [
        Keypair.fromSecret(env.sandbox.accounts[2]!.secret),
        Keypair.fromSecret(env.sandbox.accounts[3]!.secret),
      ],
    });
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  it('pays 29 claims once each in batches of at most 10, two envelopes per ledger; the bad one fails alone', async () => {
    const pool = env.schema.pool;
    const learners: Keypair[] = [];
    const views: Array<{ headers: Record<string, string>; claimId: string }> = [];
    for (let i = 0; i < CLAIMS; i += 1) {
      const { keypair, headers } = await signIn(t.app);
      const submissionId = await passQuiz(t.app, headers);
      const response = await t.app.inject({
        method: 'POST',
        url: '/rewards/claims',
        headers,
        payload: { submissionId },
      });
      expect(response.statusCode).toBe(201);
      learners.push(keypair);
      views.push({ headers, claimId: response.json().claimId });
    }
    const bad = learners[4]!.publicKey();
    env.sandbox.faults.inject({ kind: 'tx_failed', resultCode: 'opLOW_RESERVE', destination: bad });

    const machine = t.onchain.machines.find((m) => m.kind.label === 'reward_payout')!;
    const unsettled = async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM reward_claims WHERE status IN ('requested', 'submitted')`,
        )
      ).rows[0]!.n;
    // The service's reconciler pass, and a ledger closed once every committed envelope was sent
    // (both channels busy, or nothing left to send).
    let done = false;
    const driving = (async () => {
      while (!done) await machine.reconcileOnce();
    })();
    const deadline = Date.now() + 60_000;
    try {
      while ((await unsettled()) > 0) {
        if (Date.now() > deadline) throw new Error('claims not settled in 60 s');
        const { rows } = await pool.query<{ hash: string }>(
          "SELECT hash FROM onchain_envelopes WHERE status = 'submitted'",
        );
        const requested = (await pool.query("SELECT 1 FROM reward_claims WHERE status = 'requested' LIMIT 1")).rowCount;
        const allSent = rows.every((r) => env.sandbox.sentCount(r.hash) > 0);
        if (rows.length > 0 && allSent && (rows.length === 2 || requested === 0)) await env.sandbox.closeLedger();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      done = true;
      await driving;
    }

    const { rows: claims } = await pool.query<JobRow & { amount: string }>('SELECT * FROM reward_claims');
    const confirmed = claims.filter((c) => c.status === 'confirmed');
    expect(confirmed).toHaveLength(CLAIMS - 1);
    const failed = claims.find((c) => c.destination === bad)!;
    expect(failed).toMatchObject({ status: 'failed', result_code: 'CREATE_ACCOUNT_LOW_RESERVE', attempts: 1 });
    expect(() => env.sandbox.balance(bad)).toThrow(/does not exist/);

    // Exactly once: the destinations hold what the confirmed claims say, one reward each.
    const paid = learners
      .filter((k) => k.publicKey() !== bad)
      .reduce((sum, k) => sum + Number(env.sandbox.balance(k.publicKey())), 0);
    expect(paid).toBe(confirmed.reduce((sum, c) => sum + Number(c.amount), 0));
    expect(paid).toBe((CLAIMS - 1) * 10);

    // Envelopes: at most 10 operations each, every one sent and applied once, two in one ledger.
    const { rows: envelopes } = await pool.query('SELECT * FROM onchain_envelopes ORDER BY created_at');
    expect(envelopes.every((e) => e.operations <= 10 && e.status === 'applied')).toBe(true);
    expect(envelopes.reduce((n, e) => n + e.operations, 0)).toBe(CLAIMS + 9);
    const applied = env.sandbox.appliedTransactions();
    for (const e of envelopes) expect(applied.filter((a) => a.hash === e.hash)).toHaveLength(1);
    const perLedger = new Map<number, number>();
    for (const e of envelopes) perLedger.set(e.ledger, (perLedger.get(e.ledger) ?? 0) + 1);
    expect(Math.max(...perLedger.values())).toBe(2);
    expect(new Set(envelopes.map((e) => e.source))).toEqual(
      new Set(t.options.stellar.channels.map((c) => c.publicKey())),
    );

    // Each claim's hash and operation index point at its own operation on the ledger.
    const server = new rpc.Server(env.sandbox.url, { allowHttp: true });
    const onLedger = new Map<string, Transaction>();
    for (const e of envelopes) {
      const got = await server.getTransaction(e.hash);
      if (got.status === rpc.Api.GetTransactionStatus.NOT_FOUND) throw new Error(`${e.hash} not on the ledger`);
      expect(got.status).toBe(e.successful ? 'SUCCESS' : 'FAILED');
      onLedger.set(e.hash, TransactionBuilder.fromXDR(got.envelopeXdr, env.sandbox.networkPassphrase) as Transaction);
    }
    for (const claim of [...confirmed, failed]) {
      const op = onLedger.get(claim.tx_hash!)!.operations[claim.op_index!] as
        | Operation.CreateAccount
        | Operation.Payment;
      expect(op.destination).toBe(claim.destination);
      expect(op.source).toBe(t.options.stellar.distributor.publicKey());
    }
    expect(envelopes.find((e) => e.hash === failed.tx_hash)).toMatchObject({ successful: false });
    // The learner sees the same: GET /rewards/claims/:id gives the transaction and the operation index.
    for (const { headers, claimId } of views) {
      const view = (await t.app.inject({ method: 'GET', url: `/rewards/claims/${claimId}`, headers })).json();
      const row = claims.find((c) => c.id === claimId)!;
      expect(view).toMatchObject({ status: row.status, txHash: row.tx_hash, operationIndex: row.op_index });
    }

    // One audit event per outcome, with the claim's hash and operation index.
    const claimed = await auditRows(pool, 'reward_claimed');
    expect(claimed).toHaveLength(CLAIMS - 1);
    for (const c of confirmed) {
      const events = claimed.filter((e) => e.resource_id === c.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ tx_hash: c.tx_hash });
      expect(Number(events[0].amount)).toBe(Number(c.amount));
      expect(events[0].metadata.opIndex).toBe(c.op_index);
    }
    const failures = await auditRows(pool, 'reward_claim_failed');
    expect(failures).toEqual([
      expect.objectContaining({
        resource_id: failed.id,
        reason: 'CREATE_ACCOUNT_LOW_RESERVE',
        tx_hash: failed.tx_hash,
      }),
    ]);

    // The signals.
    const registry = t.metrics.registry;
    expect(await metric(registry, 'onchain_operations_confirmed_total', { kind: 'reward_payout' })).toEqual([
      expect.objectContaining({ value: CLAIMS - 1 }),
    ]);
    const batchCount = (await metric(registry, 'onchain_batch_operations', { kind: 'reward_payout' }))!.find(
      (v) => (v as { metricName?: string }).metricName === 'onchain_batch_operations_count',
    );
    expect(batchCount?.value).toBe(envelopes.length);
    const batchSum = (await metric(registry, 'onchain_batch_operations', { kind: 'reward_payout' }))!.find(
      (v) => (v as { metricName?: string }).metricName === 'onchain_batch_operations_sum',
    );
    expect(batchSum?.value).toBe(CLAIMS + 9);
    // Both channels reported, idle again (the gauges follow each settlement, not a 5 s timer).
    const channelKeys = t.options.stellar.channels.map((c) => c.publicKey()).sort();
    let inFlight = await metric(registry, 'onchain_channel_in_flight');
    for (let i = 0; i < 200 && !(inFlight?.length === 3 && inFlight.every((v) => v.value === 0)); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      inFlight = await metric(registry, 'onchain_channel_in_flight');
    }
    // The two channels and the issuer (the credential mints' only source).
    expect(inFlight?.map((v) => v.labels.channel).sort()).toEqual(
      [...channelKeys, t.options.stellar.issuer.publicKey()].sort(),
    );
    expect(inFlight?.every((v) => v.value === 0)).toBe(true);
    expect((await metric(registry, 'onchain_channel_in_flight_age_seconds'))?.every((v) => v.value === 0)).toBe(true);
    // The channels paid the fees (100 stroops per operation), the distributor the rewards.
    const lowest = Math.min(...t.options.stellar.channels.map((c) => Number(env.sandbox.balance(c.publicKey()))));
    expect(lowest).toBeLessThan(10_000);
    let reported = await metric(registry, 'stellar_account_balance_xlm', { account: 'channel' });
    for (let i = 0; i < 200 && reported?.[0]?.value !== lowest; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      reported = await metric(registry, 'stellar_account_balance_xlm', { account: 'channel' });
    }
    expect(reported?.[0]?.value).toBe(lowest);
  }, 120_000);

  it('two instances share the two channels: 40 claims paid once each, never two envelopes on one channel', async () => {
    const pool = env.schema.pool;
    const other = await buildApp(env, {
      env: { STELLAR_BATCH_MAX_OPERATIONS: '10', STELLAR_POLL_INTERVAL_MS: '50' },
      channels: t.options.stellar.channels,
    });
    const before = new Set(
      (await pool.query<{ hash: string }>('SELECT hash FROM onchain_envelopes')).rows.map((r) => r.hash),
    );
    try {
      const learners = Array.from({ length: 40 }, () => Keypair.random().publicKey());
      const ids = await seedClaims(pool, learners);
      const machines = [t, other].map((app) => app.onchain.machines.find((m) => m.kind.label === 'reward_payout')!);
      let done = false;
      const driving = machines.map(async (machine) => {
        while (!done) await machine.reconcileOnce();
      });
      const deadline = Date.now() + 60_000;
      let maxInFlight = 0;
      try {
        for (;;) {
          const open = await pool.query("SELECT 1 FROM reward_claims WHERE id = ANY($1) AND status <> 'confirmed'", [
            ids,
          ]);
          if (open.rowCount === 0) break;
          if (Date.now() > deadline) throw new Error('claims not settled in 60 s');
          const { rows } = await pool.query<{ hash: string; source: string }>(
            "SELECT hash, source FROM onchain_envelopes WHERE status = 'submitted'",
          );
          maxInFlight = Math.max(maxInFlight, rows.length);
          // The unique index: one in-flight envelope per channel, whichever instance committed it.
          expect(new Set(rows.map((r) => r.source)).size).toBe(rows.length);
          const requested = (await pool.query("SELECT 1 FROM reward_claims WHERE status = 'requested' LIMIT 1"))
            .rowCount;
          if (
            rows.length > 0 &&
            rows.every((r) => env.sandbox.sentCount(r.hash) > 0) &&
            (rows.length === 2 || requested === 0)
          ) {
            await env.sandbox.closeLedger();
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        done = true;
        await Promise.all(driving);
      }
      expect(maxInFlight).toBe(2);
      for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');
      const claimed = (await auditRows(pool, 'reward_claimed')).filter((r) => ids.includes(r.resource_id));
      expect(claimed).toHaveLength(40);
      expect(new Set(claimed.map((r) => r.resource_id)).size).toBe(40);
      const envelopes = (await pool.query('SELECT * FROM onchain_envelopes ORDER BY created_at')).rows.filter(
        (e) => !before.has(e.hash),
      );
      expect(envelopes.every((e) => e.status === 'applied' && e.successful && e.operations <= 10)).toBe(true);
      expect(envelopes.reduce((n, e) => n + e.operations, 0)).toBe(40);
      // Counted once, by whichever instance's commit won: the sum over instances is 40 more than before.
      const confirmed = async (app: TestApp) =>
        (await metric(app.metrics.registry, 'onchain_operations_confirmed_total', { kind: 'reward_payout' }))![0]!
          .value;
      expect((await confirmed(t)) + (await confirmed(other))).toBe(CLAIMS - 1 + 40);
    } finally {
      await other.app.close();
    }
  }, 120_000);
});
