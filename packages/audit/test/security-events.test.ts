import type { TestSchema } from '@app/test-utils';
import { Keypair } from '@stellar/stellar-sdk';
import { AUDIT_EVENTS } from '../src/names';
import { securityEvents } from '../src/security-events';
import { auditCounterSources, getAuditStats } from '../src/stats';
import { createAuditWriter } from '../src/writer';
import { auditSchema, captureLogger } from './helpers';

describe('security events and counts', () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await auditSchema('audit_security');
  });
  afterAll(async () => {
    await schema.drop();
  });

  it('writes the OWASP-named events with IP and Stellar address', async () => {
    const { logger, lines } = captureLogger();
    const audit = createAuditWriter({ logger });
    const address = Keypair.random().publicKey();
    const who = { stellarAddress: address, ip: '192.0.2.1', userAgent: 'wallet/1' };
    await audit.write(schema.pool, securityEvents.authnLoginSuccess({ ...who, userId: 'u1' }));
    await audit.write(schema.pool, securityEvents.authnLoginFail({ ...who, reason: 'invalid_signature' }));
    await audit.write(
      schema.pool,
      securityEvents.authzFail({ ...who, userId: 'u1', resource: 'submission', resourceId: 's9' }),
    );
    await audit.write(
      schema.pool,
      securityEvents.rateLimitExceeded({ ...who, limit: '10/min', resource: '/auth/verify' }),
    );
    await audit.write(
      schema.pool,
      securityEvents.authnTokenInvalid({ ...who, reason: 'token_expired', resourceId: '/rewards/claims' }),
    );
    const { rows } = await schema.pool.query(
      'SELECT event, result, reason, host(ip) AS ip, stellar_address, resource FROM audit_events ORDER BY id',
    );
    expect(rows).toEqual([
      {
        event: 'authn_login_success',
        result: 'success',
        reason: null,
        ip: '192.0.2.1',
        stellar_address: address,
        resource: 'session',
      },
      {
        event: 'authn_login_fail',
        result: 'failure',
        reason: 'invalid_signature',
        ip: '192.0.2.1',
        stellar_address: address,
        resource: 'session',
      },
      {
        event: 'authz_fail',
        result: 'failure',
        reason: 'forbidden',
        ip: '192.0.2.1',
        stellar_address: address,
        resource: 'submission',
      },
      {
        event: AUDIT_EVENTS.EXCESS_RATE_LIMIT_EXCEEDED,
        result: 'failure',
        reason: 'rate_limited',
        ip: '192.0.2.1',
        stellar_address: address,
        resource: '/auth/verify',
      },
      {
        event: 'authn_token_invalid',
        result: 'failure',
        reason: 'token_expired',
        ip: '192.0.2.1',
        stellar_address: address,
        resource: 'route',
      },
    ]);
    expect(lines().map((l) => l['event.action'])).toEqual(rows.map((r) => r.event));
  });

  it('counts written events and failures for @app/metrics to read at scrape time', async () => {
    const audit = createAuditWriter({ logger: captureLogger().logger });
    const before = getAuditStats();
    await audit.write(schema.pool, { event: 'quiz_submitted', result: 'success' });
    await expect(audit.write(schema.pool, { event: 'BAD', result: 'success' })).rejects.toThrow();
    await expect(
      createAuditWriter({ schema: 'missing_schema' }).write(schema.pool, { event: 'x', result: 'success' }),
    ).rejects.toThrow();
    const after = getAuditStats();
    expect(after.written.postgres - before.written.postgres).toBe(1);
    expect(after.written.log - before.written.log).toBe(1);
    expect(after.failures.validation - before.failures.validation).toBe(1);
    expect(after.failures.postgres - before.failures.postgres).toBe(1);
    expect(auditCounterSources.written).toMatchObject({ name: 'audit_events_written_total', labelNames: ['sink'] });
    expect(auditCounterSources.written.read()).toContainEqual({
      labels: { sink: 'postgres' },
      value: after.written.postgres,
    });
    expect(auditCounterSources.failures.read()).toContainEqual({
      labels: { sink: 'validation' },
      value: after.failures.validation,
    });
  });

  it('a throwing logger neither loses the row nor fails the write', async () => {
    const audit = createAuditWriter({
      logger: {
        info() {
          throw new Error('disk full');
        },
      },
    });
    const before = getAuditStats().failures.log;
    await audit.write(schema.pool, { event: 'quiz_submitted', result: 'success', userId: 'logfail' });
    expect(getAuditStats().failures.log - before).toBe(1);
    const { rows } = await schema.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE user_id = 'logfail'");
    expect(rows[0].n).toBe(1);
  });
});
