import type { Tracer } from '@opentelemetry/api';
import { rpc } from '@stellar/stellar-sdk';
import { Gauge, Registry } from 'prom-client';
import { createStellarClient, ERROR_CODES } from '../src';
import { FAST, type Harness, payment, sample, startHarness } from './helpers';

/** Telemetry is optional and can never break a submission. */
describe('telemetry is optional and harmless', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('works as a plain wrapper with neither registry nor tracer', async () => {
    const client = createStellarClient({ server: h.server, ...FAST });
    const outcome = await client.submitAndWait(await payment(h), { method: 'reward_payment' });
    expect(outcome.status).toBe('success');
  });

  it('submits when the tracer throws on every call, and reports the failure', async () => {
    const errors: unknown[] = [];
    const broken = {
      startSpan() {
        throw new Error('tracer exploded');
      },
    } as unknown as Tracer;
    const client = createStellarClient({
      server: h.server,
      tracer: broken,
      onTelemetryError: (e) => errors.push(e),
      ...FAST,
    });
    const outcome = await client.submitAndWait(await payment(h), { method: 'reward_payment' });
    expect(outcome.status).toBe('success');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('submits when the registry already holds a clashing metric, and reports it', async () => {
    const registry = new Registry();
    new Gauge({ name: 'stellar_rpc_requests_total', help: 'someone else', registers: [registry] });
    const errors: unknown[] = [];
    const client = createStellarClient({
      server: h.server,
      registry,
      onTelemetryError: (e) => errors.push(e),
      ...FAST,
    });
    const outcome = await client.submitAndWait(await payment(h), { method: 'reward_payment' });
    expect(outcome.status).toBe('success');
    expect(errors).toHaveLength(1);
  });

  it('shares metrics idempotently when two clients use one registry', async () => {
    const registry = new Registry();
    const a = createStellarClient({ server: h.server, registry, ...FAST });
    const b = createStellarClient({ server: h.server, registry, ...FAST });
    await a.submitAndWait(await payment(h), { method: 'reward_payment' });
    await b.submitAndWait(await payment(h), { method: 'reward_payment' });
    expect(await sample(registry, 'stellar_transactions_total', { method: 'reward_payment', status: 'success' })).toBe(
      2,
    );
  });

  it('sends nothing and ends error when onHash fails (the caller could not persist the hash)', async () => {
    const tx = await payment(h);
    const outcome = await h.client.submitAndWait(tx, {
      method: 'reward_payment',
      onHash: async () => {
        throw new Error('db down');
      },
    });
    expect(outcome).toMatchObject({ status: 'error', reason: 'on_hash_failed', attempts: 0, polls: 0 });
    expect(outcome.error?.message).toBe('db down');
    expect(h.sandbox.sentCount(outcome.hash)).toBe(0);
  });
});

describe('a response the package cannot read', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('ends indeterminate (internal_error) once sent, instead of throwing after money may have moved', async () => {
    // The real send goes through; only the poll answer is unreadable.
    const server = new Proxy(h.server, {
      get(target, key, receiver) {
        if (key === 'getTransaction') return async () => ({ status: 'SUCCESS', ledger: 5, resultXdr: {} });
        return Reflect.get(target, key, receiver);
      },
    });
    const client = createStellarClient({ server, registry: h.registry, ...FAST });
    const outcome = await client.submitAndWait(await payment(h), { method: 'reward_payment' });
    expect(outcome).toMatchObject({ status: 'indeterminate', reason: 'internal_error', attempts: 1 });
    expect(outcome.error).toBeInstanceOf(Error);
    expect(
      await sample(h.registry, 'stellar_transactions_total', { method: 'reward_payment', status: 'indeterminate' }),
    ).toBe(1);
  });
});

describe('caller mistakes get stable codes', () => {
  const server = new rpc.Server('http://127.0.0.1:1', { allowHttp: true });

  it.each([
    [{ server: undefined }],
    [{ server, requestTimeoutMs: 0 }],
    [{ server, pollIntervalMs: -1 }],
    [{ server, sendRetry: { maxAttempts: 1.5 } }],
  ])('rejects bad options %#', (options) => {
    expect(() => createStellarClient(options as never)).toThrow(
      expect.objectContaining({ code: ERROR_CODES.INVALID_OPTION }),
    );
  });

  it.each([['Reward Payment'], [''], ['x'.repeat(65)]])('rejects method %p (it becomes a label)', async (method) => {
    const client = createStellarClient({ server });
    await expect(client.submitAndWait({} as never, { method })).rejects.toMatchObject({
      code: ERROR_CODES.INVALID_METHOD,
    });
  });

  it('rejects something that is not an SDK transaction', async () => {
    const client = createStellarClient({ server });
    await expect(client.submitAndWait({} as never, { method: 'reward_payment' })).rejects.toMatchObject({
      code: ERROR_CODES.INVALID_TRANSACTION,
    });
  });
});
