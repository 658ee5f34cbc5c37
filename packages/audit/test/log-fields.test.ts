import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { LOG_FIELDS, logFields } from '../src/log-fields';
import { traceLogFields } from '../src/trace-context';
import { captureLogger } from './helpers';

describe('log field convention', () => {
  it('maps request-log values to the ECS-style names', () => {
    expect(
      logFields({
        method: 'POST',
        route: '/rewards/claims',
        statusCode: 201,
        durationMs: 1.5,
        ip: '::1',
        userId: 'u1',
      }),
    ).toEqual({
      'http.request.method': 'POST',
      'http.route': '/rewards/claims',
      'http.response.status_code': 201,
      'event.duration': 1_500_000,
      'source.ip': '::1',
      'user.id': 'u1',
    });
  });

  it('keeps Stellar fields in their own namespace', () => {
    const stellar = Object.values(LOG_FIELDS).filter((name) => name.startsWith('stellar.'));
    expect(stellar.sort()).toEqual(['stellar.address', 'stellar.amount', 'stellar.tx_hash']);
  });

  it('gives a pino mixin that puts trace.id and span.id on lines written inside a span', () => {
    const manager = new AsyncLocalStorageContextManager();
    context.setGlobalContextManager(manager.enable());
    try {
      const { raw, lines } = captureLogger();
      const pino = require('pino') as typeof import('pino');
      const logger = pino({ mixin: traceLogFields }, { write: (line: string) => raw.push(line) });
      const span = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
      context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
      logger.info('outside');
      expect(lines()[0]).toMatchObject({ 'trace.id': 'a'.repeat(32), 'span.id': 'b'.repeat(16), 'trace.flags': '01' });
      expect(lines()[1]).not.toHaveProperty('trace.id');
    } finally {
      manager.disable();
      context.disable();
    }
  });
});
