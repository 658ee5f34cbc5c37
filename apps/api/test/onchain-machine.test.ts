import { Keypair } from '@stellar/stellar-sdk';
import type { Pool } from 'pg';
import { withTransaction } from '../src/db/transaction';
import type { EnvelopeResult, OperationOutcome } from '../src/stellar/gateway';
import { type EnvelopeRow, type JobRow, type OnchainJobs, transitionOf } from '../src/stellar/onchain-jobs';
import { auditRows, buildApp, claimRows, createTestEnv, seedClaims, type TestApp, type TestEnv } from './helper';

const ok = (code = 'PAYMENT_SUCCESS'): OperationOutcome => ({ code, successful: true, stale: false });
const bad = (code: string, stale = false): OperationOutcome => ({ code, successful: false, stale });

describe('transitionOf (each job from its own operation)', () => {
  const applied = (successful: boolean, operations: OperationOutcome[]): EnvelopeResult & { kind: 'applied' } => ({
    kind: 'applied',
    ledger: 7,
    successful,
    resultCode: successful ? 'txSUCCESS' : 'txFAILED',
    operations,
  });
  const voided = (cause: 'expired' | 'rejected', operations: OperationOutcome[] = []) =>
    ({ kind: 'void', cause, resultCode: cause === 'expired' ? 'txTOO_LATE' : 'txBAD_SEQ', operations }) as const;

  it.each([
    ['applied, successful → confirmed', applied(true, [ok(), ok()]), 1, 1, { to: 'confirmed', ledger: 7 }],
    [
      'applied, own operation failed → failed with its code',
      applied(false, [ok(), bad('PAYMENT_NO_DESTINATION')]),
      1,
      1,
      { to: 'failed', resultCode: 'PAYMENT_NO_DESTINATION', ledger: 7 },
    ],
    [
      'applied, another operation failed → requested, attempt not counted',
      applied(false, [ok(), bad('PAYMENT_NO_DESTINATION')]),
      0,
      3,
      { to: 'requested', resultCode: 'txFAILED', counted: false },
    ],
    [
      'applied, own create_account found the account (stale) → requested, counted',
      applied(false, [bad('CREATE_ACCOUNT_ALREADY_EXIST', true)]),
      0,
      1,
      { to: 'requested', resultCode: 'CREATE_ACCOUNT_ALREADY_EXIST', counted: true },
    ],
    [
      'stale on the last attempt → failed',
      applied(false, [bad('CREATE_ACCOUNT_ALREADY_EXIST', true)]),
      0,
      3,
      { to: 'failed', resultCode: 'CREATE_ACCOUNT_ALREADY_EXIST', ledger: 7 },
    ],
    [
      'void (expired), attempts left → requested, counted',
      voided('expired'),
      0,
      1,
      { to: 'requested', resultCode: 'txTOO_LATE', counted: true },
    ],
    [
      'void (expired) on the third attempt → expired',
      voided('expired'),
      0,
      3,
      { to: 'expired', resultCode: 'txTOO_LATE', ledger: null },
    ],
    [
      'void (unsent: TRY_AGAIN_LATER until its time bound) on the third attempt → requested, not counted',
      { kind: 'void', cause: 'unsent', resultCode: 'TRY_AGAIN_LATER', operations: [] as OperationOutcome[] },
      0,
      3,
      { to: 'requested', resultCode: 'TRY_AGAIN_LATER', counted: false },
    ],
    [
      'void (rejected: the channel cannot pay its fee) on the third attempt → requested, not counted',
      { kind: 'void', cause: 'rejected', resultCode: 'txINSUFFICIENT_BALANCE', operations: [] as OperationOutcome[] },
      0,
      3,
      { to: 'requested', resultCode: 'txINSUFFICIENT_BALANCE', counted: false },
    ],
    [
      'void (rejected) on the third attempt → failed',
      voided('rejected'),
      0,
      3,
      { to: 'failed', resultCode: 'txBAD_SEQ', ledger: null },
    ],
    [
      'void (rejected) with operation results, own one fine → requested, not counted',
      voided('rejected', [bad('PAYMENT_UNDERFUNDED'), ok()]),
      1,
      3,
      { to: 'requested', resultCode: 'txBAD_SEQ', counted: false },
    ],
  ] as const)('%s', (_name, result, opIndex, attempts, expected) => {
    expect(transitionOf(result, opIndex, attempts, 3)).toEqual(expected);
  });
});

/** Drives the machine until every claim in `ids` is settled (bounded by `ms`). */
async function settleAll(machine: OnchainJobs<JobRow>, pool: Pool, ids: string[], ms = 30_000): Promise<JobRow[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    await machine.reconcileOnce();
    const rows = await claimRows(pool, ids);
    if (rows.every((r) => ['confirmed', 'failed', 'expired'].includes(r.status))) return rows;
    if (Date.now() > deadline) throw new Error(`not settled: ${rows.map((r) => r.status).join(',')}`);
    // A pass that found nothing to do (an envelope waiting for its time bound) is not repeated at once.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the batched payout machine (real PostgreSQL, real sandbox)', () => {
  let env: TestEnv;
  let t: TestApp;
  let machine: OnchainJobs<JobRow>;
  const committed: Array<{ envelope: EnvelopeRow; claims: JobRow[]; sent: number }> = [];

  beforeAll(async () => {
    env = await createTestEnv('api_machine');
    t = await buildApp(env, {
      // A refused envelope stays in flight until its time bound (5 s here) has passed on the ledger.
      env: { STELLAR_BATCH_MAX_OPERATIONS: '10', STELLAR_TX_TIMEOUT_SECONDS: '5' },
      hooks: {
        // Runs between the envelope's commit and its first send.
        async afterSubmitCommit(envelope) {
          const { rows } = await env.schema.pool.query<JobRow>(
            'SELECT * FROM reward_claims WHERE tx_hash = $1 ORDER BY op_index',
            [envelope.hash],
          );
          committed.push({ envelope, claims: rows, sent: env.sandbox.sentCount(envelope.hash) });
        },
      },
    });
    machine = t.onchain.machines.find((m) => m.kind.label === 'reward_payout')!;
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });
  beforeEach(() => {
    committed.length = 0;
    env.sandbox.faults.clear();
  });

  it('requested → submitted: one envelope per batch, committed with every hash and operation index before sending', async () => {
    const learners = Array.from({ length: 12 }, () => Keypair.random().publicKey());
    const ids = await seedClaims(env.schema.pool, learners);
    const rows = await settleAll(machine, env.schema.pool, ids);
    expect(committed.map((c) => c.envelope.operations)).toEqual([10, 2]);
    for (const { envelope, claims: inIt, sent } of committed) {
      expect(sent).toBe(0);
      expect(inIt.map((c) => [c.status, c.op_index])).toEqual(inIt.map((_, i) => ['submitted', i]));
      const stored = await env.schema.pool.query('SELECT * FROM onchain_envelopes WHERE hash = $1', [envelope.hash]);
      expect(stored.rows[0]).toMatchObject({ status: 'applied', successful: true, operations: inIt.length });
    }
    // submitted → confirmed: each claim paid once, in its own operation.
    expect(rows.every((r) => r.status === 'confirmed' && r.attempts === 1)).toBe(true);
    for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');
    const confirmed = (await auditRows(env.schema.pool, 'reward_claimed')).filter((r) => ids.includes(r.resource_id));
    expect(confirmed).toHaveLength(12);
    for (const row of rows) {
      const event = confirmed.find((e) => e.resource_id === row.id);
      expect(event).toMatchObject({ tx_hash: row.tx_hash });
      expect(event.metadata.opIndex).toBe(row.op_index);
    }
  });

  it('submitted → failed for the one bad operation; submitted → requested (not counted) for the rest, re-batched', async () => {
    const learners = Array.from({ length: 4 }, () => Keypair.random().publicKey());
    const ids = await seedClaims(env.schema.pool, learners);
    env.sandbox.faults.inject({ kind: 'tx_failed', resultCode: 'opUNDERFUNDED', destination: learners[2]! });
    const rows = await settleAll(machine, env.schema.pool, ids);
    const byDestination = new Map(rows.map((r) => [r.destination, r]));
    expect(byDestination.get(learners[2]!)).toMatchObject({
      status: 'failed',
      result_code: 'CREATE_ACCOUNT_UNDERFUNDED',
      attempts: 1,
      tx_hash: committed[0]!.envelope.hash,
      op_index: 2,
    });
    for (const learner of [learners[0]!, learners[1]!, learners[3]!]) {
      // Not held hostage: confirmed in the next envelope, still on its first counted attempt.
      expect(byDestination.get(learner)).toMatchObject({ status: 'confirmed', attempts: 1 });
      expect(byDestination.get(learner)!.tx_hash).toBe(committed[1]!.envelope.hash);
      expect(env.sandbox.balance(learner)).toBe('10.0000000');
    }
    expect(committed.map((c) => c.envelope.operations)).toEqual([4, 3]);
    expect(() => env.sandbox.balance(learners[2]!)).toThrow(/does not exist/);
    const failed = (await auditRows(env.schema.pool, 'reward_claim_failed')).filter((r) => ids.includes(r.resource_id));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ reason: 'CREATE_ACCOUNT_UNDERFUNDED', tx_hash: committed[0]!.envelope.hash });
    expect(failed[0].metadata.opIndex).toBe(2);
    // failed → requested (asked again), then confirmed.
    const badId = byDestination.get(learners[2]!)!.id;
    const requeued = await withTransaction(env.schema.pool, (client) =>
      machine.requeue(client, badId, { ip: '127.0.0.1', userAgent: 'test' }),
    );
    expect(requeued).toMatchObject({ status: 'requested', attempts: 0 });
    // A confirmed claim is never requeued.
    const again = await withTransaction(env.schema.pool, (client) =>
      machine.requeue(client, byDestination.get(learners[0]!)!.id, { ip: '127.0.0.1', userAgent: null }),
    );
    expect(again).toBeUndefined();
    const [settled] = await settleAll(machine, env.schema.pool, [badId]);
    expect(settled).toMatchObject({ status: 'confirmed', attempts: 1 });
    expect(env.sandbox.balance(learners[2]!)).toBe('10.0000000');
  });

  it('submitted → requested when the envelope is refused, and a new envelope pays', async () => {
    const learners = Array.from({ length: 2 }, () => Keypair.random().publicKey());
    const ids = await seedClaims(env.schema.pool, learners);
    const why = 'transaction sequence number does not match the source account (test)';
    env.sandbox.faults.inject({ kind: 'error', resultCode: 'txBAD_SEQ', diagnostic: why });
    const rows = await settleAll(machine, env.schema.pool, ids, 60_000);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['confirmed', 2],
      ['confirmed', 2],
    ]);
    expect(committed).toHaveLength(2);
    const first = await env.schema.pool.query('SELECT * FROM onchain_envelopes WHERE hash = $1', [
      committed[0]!.envelope.hash,
    ]);
    expect(first.rows[0]).toMatchObject({ status: 'void', result_code: 'txBAD_SEQ' });
    // The network's own explanation (its diagnostic event) is kept with the refusal.
    expect(first.rows[0].refusal).toMatchObject({
      resultCode: 'txBAD_SEQ',
      diagnostics: [expect.stringContaining(why)],
    });
    const submitted = (await auditRows(env.schema.pool, 'reward_payout_submitted')).filter((r) =>
      ids.includes(r.resource_id),
    );
    expect(submitted).toHaveLength(4);
  }, 120_000);

  it('three refused envelopes → failed with the last result code (the attempts limit), each void only past its time bound', async () => {
    const [learner] = [Keypair.random().publicKey()];
    const ids = await seedClaims(env.schema.pool, [learner!]);
    env.sandbox.faults.inject({ kind: 'error', resultCode: 'txINSUFFICIENT_FEE', times: 3 });
    const [row] = await settleAll(machine, env.schema.pool, ids, 90_000);
    expect(row).toMatchObject({ status: 'failed', attempts: 3, result_code: 'txINSUFFICIENT_FEE' });
    expect(committed).toHaveLength(3);
    // Each refused envelope was sent once, then left alone until its time bound passed.
    for (const { envelope } of committed) {
      expect(env.sandbox.sentCount(envelope.hash)).toBe(1);
      const stored = await env.schema.pool.query('SELECT * FROM onchain_envelopes WHERE hash = $1', [envelope.hash]);
      expect(stored.rows[0]).toMatchObject({ status: 'void', result_code: 'txINSUFFICIENT_FEE' });
      expect(stored.rows[0].settled_at.getTime() / 1000).toBeGreaterThan(Number(envelope.valid_until));
    }
    expect(() => env.sandbox.balance(learner!)).toThrow(/does not exist/);
  }, 120_000);

  it('two instances driving the same claims settle each once', async () => {
    const other = await buildApp(env, { env: { STELLAR_BATCH_MAX_OPERATIONS: '10' } });
    try {
      const second = other.onchain.machines.find((m) => m.kind.label === 'reward_payout')!;
      const learners = Array.from({ length: 15 }, () => Keypair.random().publicKey());
      const ids = await seedClaims(env.schema.pool, learners);
      await Promise.all([settleAll(machine, env.schema.pool, ids), settleAll(second, env.schema.pool, ids)]);
      for (const learner of learners) expect(env.sandbox.balance(learner)).toBe('10.0000000');
      const confirmed = (await auditRows(env.schema.pool, 'reward_claimed')).filter((r) => ids.includes(r.resource_id));
      expect(confirmed).toHaveLength(15);
    } finally {
      await other.app.close();
    }
  });
});
