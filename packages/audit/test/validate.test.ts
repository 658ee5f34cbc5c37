import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { auditLogLine } from '../src/pino-writer';
import { normalizeEvent } from '../src/validate';

const base = { event: 'reward_claimed', result: 'success' } as const;

describe('normalizeEvent', () => {
  it.each([
    [{ ...base, event: 'Reward Claimed' }, 'event'],
    [{ ...base, event: '' }, 'event'],
    [{ ...base, result: 'ok' }, 'result'],
    [{ ...base, amount: -1 }, 'amount'],
    [{ ...base, amount: '1.12345678' }, 'amount'],
    [{ ...base, amount: 0.1 + 0.2 }, 'amount'],
    [{ ...base, amount: '1e3' }, 'amount'],
    [{ ...base, txHash: 'xyz' }, 'txHash'],
    [{ ...base, stellarAddress: 'GABC' }, 'stellarAddress'],
    [{ ...base, ip: 'not-an-ip' }, 'ip'],
    [{ ...base, metadata: [1, 2] }, 'metadata'],
    [{ ...base, userId: 42 }, 'userId'],
    [{ ...base, createdAt: new Date('nope') }, 'createdAt'],
    [{ ...base, traceId: 'abc' }, 'traceId'],
  ])('refuses %p naming field %s', (input, field) => {
    expect(() => normalizeEvent(input as never)).toThrow(`AUDIT_ERR_INVALID_EVENT: audit event field "${field}"`);
  });

  it('canonicalises exact amounts', () => {
    expect(normalizeEvent({ ...base, amount: '0010.5000000' }).amount).toBe('10.5');
    expect(normalizeEvent({ ...base, amount: 12n }).amount).toBe('12');
    expect(normalizeEvent({ ...base, amount: 3 }).amount).toBe('3');
    expect(normalizeEvent({ ...base, amount: '0.0' }).amount).toBe('0');
  });

  it('stamps a UUID, the schema version and a UTC time', () => {
    const event = normalizeEvent(base);
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.schemaVersion).toBe(1);
    expect(Math.abs(event.createdAt.getTime() - Date.now())).toBeLessThan(1000);
    expect(event.traceId).toBeNull();
  });

  describe('inside an active OpenTelemetry span', () => {
    const manager = new AsyncLocalStorageContextManager();
    beforeAll(() => context.setGlobalContextManager(manager.enable()));
    afterAll(() => {
      manager.disable();
      context.disable();
    });

    it('takes trace and span ids from the active span', () => {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const spanId = 'b7ad6b7169203331';
      const span = trace.wrapSpanContext({ traceId, spanId, traceFlags: 1 });
      const event = context.with(trace.setSpan(context.active(), span), () => normalizeEvent(base));
      expect(event).toMatchObject({ traceId, spanId });
      expect(auditLogLine(event)).toMatchObject({ 'trace.id': traceId, 'span.id': spanId });
      // An explicit null opts out of the active span's ids.
      const none = context.with(trace.setSpan(context.active(), span), () =>
        normalizeEvent({ ...base, traceId: null }),
      );
      expect(none).toMatchObject({ traceId: null, spanId: null });
    });
  });
});
