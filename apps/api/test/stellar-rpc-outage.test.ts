import { Writable } from 'node:stream';
import { tcpProxy } from '@app/test-utils';
import { rpc } from '@stellar/stellar-sdk';
import { createLogger } from '../src/logger';
import { isOutage } from '../src/stellar/rpc-health';
import { buildApp, createTestEnv, passQuiz, signIn, type TestApp, type TestEnv, until } from './helper';

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/**
 * The outage, from the operator's side: the Stellar RPC's port is closed while a learner
 * claims. The log names the dependency and its address once (not `Account not found: G…`, not a
 * warning per reconciler pass), retries back off, and one line says when it is back; the claim
 * then pays. A real app instance, the real SDK, a real closed port (a TCP proxy to the sandbox,
 * stopped and started again), no mocks.
 */
describe('Stellar RPC unreachable: operator messages', () => {
  let env: TestEnv;
  let t: TestApp;
  const lines: Line[] = [];
  const proxy = { current: undefined as ReturnType<typeof tcpProxy> | undefined };

  beforeAll(async () => {
    env = await createTestEnv('api_rpc_outage');
    const target = new URL(env.sandbox.url);
    proxy.current = tcpProxy({ host: target.hostname, port: Number(target.port) });
    // Take a free port, then close it: nothing listens there until the proxy starts again.
    await proxy.current.start();
    await proxy.current.stop();
    // Redis ready first: its own first-connection fallback line is not what this test is about.
    await until('Redis', () => env.client.status === 'ready');
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
        done();
      },
    });
    t = await buildApp(env, {
      rpcUrl: `http://127.0.0.1:${proxy.current.port}`,
      reconciler: true,
      env: { CLAIM_WAIT_MS: '300', RECONCILE_INTERVAL_MS: '100' },
      server: { loggerInstance: createLogger('debug', sink) },
    });
  });
  afterAll(async () => {
    await t?.app.close();
    await proxy.current?.stop().catch(() => undefined);
    await env?.cleanup();
  });

  const rpcUp = async () => (await t.metrics.registry.getSingleMetric('stellar_rpc_up')?.get())?.values[0]?.value;

  it('says once which RPC is unreachable and why, backs off, and says when it is back', async () => {
    const port = proxy.current!.port;
    const address = `http://127.0.0.1:${port}`;
    const { headers } = await signIn(t.app);
    const submissionId = await passQuiz(t.app, headers);
    const response = await t.app.inject({ method: 'POST', url: '/rewards/claims', headers, payload: { submissionId } });
    expect(response.statusCode).toBe(201);
    const claim = response.json();
    expect(claim).toMatchObject({ status: 'requested', txHash: null });

    const retries = () => lines.filter((l) => l.msg.startsWith(`Stellar RPC at ${address} still unreachable`));
    // Three backed-off retries: meanwhile the reconciler ran every 100 ms (many passes).
    await until('three retries', () => retries().length >= 3);
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.stellarRpc).toBe('down');
    expect(await rpcUp()).toBe(0);

    // Every warning about the RPC: the monitor's, or any line carrying an RPC failure (a loaded machine
    // may add warnings of its own, e.g. a slow db_up check; those are not what this test is about).
    const aboutRpc = (l: Line) =>
      l.msg.includes('Stellar RPC') ||
      /RpcUnreachable|fetch failed|ECONNREFUSED|Account not found/.test(JSON.stringify(l.err ?? ''));
    const loud = lines.filter((l) => l.level >= 40 && aboutRpc(l));
    expect(loud.map((l) => l.msg)).toEqual([
      `Stellar RPC at ${address} unreachable (ECONNREFUSED): reward payouts and credential mints wait as requested, /ready answers 503; retrying with backoff (up to 30 s)`,
    ]);
    expect(loud[0]).toMatchObject({ 'server.address': address, 'error.code': 'ECONNREFUSED' });
    const delays = retries().map((l) => l['retry.delay_ms'] as number);
    expect(delays.slice(0, 3)).toEqual([1000, 2000, 4000]);
    // Nothing that sends the operator to the wrong place.
    expect(JSON.stringify(lines)).not.toMatch(/Account not found/i);

    await proxy.current!.start();
    expect(proxy.current!.port).toBe(port);
    await until('the recovery line', () => lines.some((l) => l.msg.startsWith(`Stellar RPC at ${address} reachable`)));
    const back = lines.filter((l) => l.msg.startsWith(`Stellar RPC at ${address} reachable`));
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ level: 30, 'server.address': address });
    expect(back[0]!.msg).toMatch(/^Stellar RPC at http:\/\/127\.0\.0\.1:\d+ reachable again after \d+(\.\d)? s$/);

    await until('the claim to be paid', async () => {
      const current = await t.app.inject({ method: 'GET', url: `/rewards/claims/${claim.claimId}`, headers });
      return current.json().status === 'confirmed';
    });
    expect(lines.filter((l) => l.level >= 40 && aboutRpc(l))).toHaveLength(1);
    expect(await rpcUp()).toBe(1);
  });

  it('counts as an outage what real failures to reach the RPC throw, and nothing else', async () => {
    const caught = (work: () => Promise<unknown>) =>
      work().then(
        () => undefined,
        (error: unknown) => error,
      );
    const closed = `http://127.0.0.1:${proxy.current!.port}`;
    await proxy.current!.stop();
    try {
      // The SDK against a closed port (its HTTP client rewraps fetch's error), and fetch itself.
      const sdk = new rpc.Server(closed, { allowHttp: true });
      expect(isOutage(await caught(() => sdk.getHealth()))).toBe(true);
      expect(isOutage(await caught(() => fetch(closed)))).toBe(true);
    } finally {
      await proxy.current!.start();
    }
    // The sandbox answering 5xx through the SDK.
    const live = new rpc.Server(env.sandbox.url, { allowHttp: true });
    env.sandbox.faults.inject({ kind: 'http_5xx', times: 1 });
    expect(isOutage(await caught(() => live.getHealth()))).toBe(true);
    // Answers and bugs are not outages: a missing account, a JSON-RPC error, a TypeError, Node's ERR_*.
    expect(
      isOutage(await caught(() => live.getAccount('GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7'))),
    ).toBe(false);
    expect(isOutage(await caught(() => live.getTransaction('not-a-hash')))).toBe(false);
    expect(isOutage(await caught(async () => (undefined as unknown as () => void)()))).toBe(false);
    expect(isOutage(await caught(async () => Buffer.from(42 as unknown as string)))).toBe(false);
  });
});
