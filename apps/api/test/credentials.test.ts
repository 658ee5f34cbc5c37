import { Keypair } from '@stellar/stellar-sdk';
import { auditRows, buildApp, createTestEnv, passQuiz, signIn, type TestApp, type TestEnv } from './helper';

describe('credential mints', () => {
  let env: TestEnv;
  let t: TestApp;

  beforeAll(async () => {
    env = await createTestEnv('api_credentials');
    t = await buildApp(env);
  });
  afterAll(async () => {
    await t.app.close();
    await env.cleanup();
  });

  const mint = (headers: Record<string, string>, courseId = 'stellar-101') =>
    t.app.inject({ method: 'POST', url: '/credentials', headers, payload: { courseId } });

  it('refuses an unfinished course, records a failed mint, and mints once when asked again', async () => {
    const keypair = Keypair.random();
    const { headers } = await signIn(t.app, keypair);
    await passQuiz(t.app, headers, 'stellar-101-accounts');
    const early = await mint(headers);
    expect(early.statusCode).toBe(422);
    expect(early.json().message).toContain('stellar-101-transactions');
    expect((await mint(headers, 'no-such-course')).statusCode).toBe(404);

    await passQuiz(t.app, headers, 'stellar-101-transactions');
    env.sandbox.faults.inject({ kind: 'tx_failed', resultCode: 'opTRAPPED' });
    const failed = await mint(headers);
    expect(failed.statusCode).toBe(201);
    expect(failed.json()).toMatchObject({ status: 'failed' });
    const failures = (await auditRows(env.schema.pool, 'credential_mint_failed')).filter(
      (r) => r.resource_id === failed.json().credentialId,
    );
    expect(failures).toHaveLength(1);
    expect(failures[0].tx_hash).toBe(failed.json().txHash);

    const retried = await mint(headers);
    expect(retried.json()).toMatchObject({ credentialId: failed.json().credentialId, status: 'confirmed' });
    const mine = env.sandbox.mintedCredentials().filter((c) => c.to === keypair.publicKey());
    expect(mine).toEqual([expect.objectContaining({ courseId: 'stellar-101', hash: retried.json().txHash })]);
    expect((await mint(headers)).json()).toMatchObject({ status: 'confirmed', txHash: retried.json().txHash });
    expect(await t.metrics.registry.getSingleMetricAsString('credentials_minted_total')).toContain(
      'credentials_minted_total{course_id="stellar-101"} 1',
    );

    const other = await signIn(t.app);
    const peek = await t.app.inject({
      method: 'GET',
      url: `/credentials/${failed.json().credentialId}`,
      headers: other.headers,
    });
    expect(peek.statusCode).toBe(403);
  });
});
