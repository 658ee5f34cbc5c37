import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import { auditRows, buildApp, correctAnswers, createTestEnv, sleep, type TestEnv } from './helper';

/** Starts the built service in a child process that kills itself at `crashAt`. */
async function startChild(env: TestEnv, crashAt: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'crash-child.js')], {
    env: {
      PATH: process.env.PATH,
      CRASH_AT: crashAt,
      JWT_SECRET: env.jwtSecret,
      DATABASE_URL: `postgresql://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${
        process.env.PGPORT ?? 5432
      }/${process.env.PGDATABASE ?? 'test'}?options=${encodeURIComponent(`-c search_path=${env.schema.name}`)}`,
      STELLAR_RPC_URL: env.sandbox.url,
      STELLAR_NETWORK_PASSPHRASE: env.sandbox.networkPassphrase,
      STELLAR_DISTRIBUTOR_SECRET: env.sandbox.accounts[0]!.secret,
      STELLAR_ISSUER_SECRET: env.sandbox.accounts[1]!.secret,
      STELLAR_CREDENTIAL_CONTRACT_ID: env.sandbox.credentialContractId,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /PORT (\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * Starts a fresh instance with the reconciler (the "restart") and waits until the job row in `table`
 * is confirmed, then closes it. Returns the last status seen.
 */
async function restartUntilConfirmed(env: TestEnv, table: 'reward_claims' | 'credentials', id: string) {
  const restarted = await buildApp(env, { reconciler: true });
  try {
    let status = 'submitted';
    for (let i = 0; i < 100 && status !== 'confirmed'; i += 1) {
      await sleep(100);
      status = (await env.schema.pool.query(`SELECT status FROM ${table} WHERE id = $1`, [id])).rows[0].status;
    }
    return status;
  } finally {
    await restarted.app.close();
  }
}

async function http(url: string, method: string, body?: unknown, token?: string) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, json: (await response.json()) as Record<string, string> };
}

describe('a process killed mid-payout', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('api_crash');
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it.each([
    ['afterSubmitCommit', 0],
    ['afterSend', 1],
  ])('is reconciled after a SIGKILL at %s, with exactly one payout', async (crashAt, sentBeforeRestart) => {
    const { child, url } = await startChild(env, crashAt);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const keypair = Keypair.random();
    const stellarAddress = keypair.publicKey();
    const { json: c } = await http(`${url}/auth/challenge`, 'POST', { stellarAddress });
    const signature = Buffer.from(keypair.signMessage(c.challenge!)).toString('base64');
    const { json: v } = await http(`${url}/auth/verify`, 'POST', { stellarAddress, challenge: c.challenge, signature });
    const quizId = 'stellar-101-accounts';
    const { json: s } = await http(
      `${url}/quizzes/${quizId}/submissions`,
      'POST',
      { answers: correctAnswers(quizId) },
      v.token,
    );
    await expect(http(`${url}/rewards/claims`, 'POST', { submissionId: s.submissionId }, v.token)).rejects.toThrow();
    expect(await exited).toBe('SIGKILL');

    // The dead process left the claim submitted, with its hash committed.
    const { rows } = await env.schema.pool.query('SELECT * FROM reward_claims WHERE submission_id = $1', [
      s.submissionId,
    ]);
    expect(rows[0]).toMatchObject({ status: 'submitted', attempts: 1 });
    const hash = rows[0].tx_hash as string;
    expect(env.sandbox.sentCount(hash)).toBe(sentBeforeRestart);

    // Restart: the reconciler finishes the job with the stored envelope.
    expect(await restartUntilConfirmed(env, 'reward_claims', rows[0].id)).toBe('confirmed');
    expect(env.sandbox.balance(stellarAddress)).toBe('10.0000000');
    expect(env.sandbox.appliedTransactions().filter((tx) => tx.hash === hash)).toHaveLength(1);
    const claimed = (await auditRows(env.schema.pool, 'reward_claimed')).filter((r) => r.resource_id === rows[0].id);
    expect(claimed).toHaveLength(1);
    expect(claimed[0].tx_hash).toBe(hash);
  });

  it('reconciles a credential mint killed after its envelope committed, minting once', async () => {
    const { child, url } = await startChild(env, 'afterSubmitCommit');
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const keypair = Keypair.random();
    const stellarAddress = keypair.publicKey();
    const { json: c } = await http(`${url}/auth/challenge`, 'POST', { stellarAddress });
    const signature = Buffer.from(keypair.signMessage(c.challenge!)).toString('base64');
    const { json: v } = await http(`${url}/auth/verify`, 'POST', { stellarAddress, challenge: c.challenge, signature });
    for (const quizId of ['stellar-101-accounts', 'stellar-101-transactions']) {
      const { status } = await http(
        `${url}/quizzes/${quizId}/submissions`,
        'POST',
        { answers: correctAnswers(quizId) },
        v.token,
      );
      expect(status).toBe(201);
    }
    await expect(http(`${url}/credentials`, 'POST', { courseId: 'stellar-101' }, v.token)).rejects.toThrow();
    expect(await exited).toBe('SIGKILL');
    const { rows } = await env.schema.pool.query('SELECT * FROM credentials WHERE destination = $1', [stellarAddress]);
    expect(rows[0]).toMatchObject({ status: 'submitted' });
    expect(env.sandbox.sentCount(rows[0].tx_hash)).toBe(0);

    expect(await restartUntilConfirmed(env, 'credentials', rows[0].id)).toBe('confirmed');
    expect(env.sandbox.mintedCredentials().filter((m) => m.to === stellarAddress)).toEqual([
      expect.objectContaining({ courseId: 'stellar-101', hash: rows[0].tx_hash }),
    ]);
    const minted = (await auditRows(env.schema.pool, 'credential_minted')).filter((r) => r.resource_id === rows[0].id);
    expect(minted).toHaveLength(1);
  });
});
