import { createTestRedis, type TestRedis } from '@app/test-utils';
import { startService } from './support/child';
import { startOtlpReceiver } from './support/otlp-receiver';

// Each example is started exactly as the README says, with the preload, and
// keeps the default 5 s batch delay: its spans reach the receiver through the
// SIGTERM shutdown flush.
describe.each([
  ['ESM', 'examples/esm-app.mjs'],
  ['CommonJS', 'examples/cjs-app.cjs'],
])('the %s example started with --import @app/tracing/register', (_kind, script) => {
  let redis: TestRedis;
  beforeAll(() => {
    redis = createTestRedis('tracing-example');
  });
  afterAll(() => redis.cleanup());

  it('exports the server, pg and ioredis spans of a request as one trace', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const service = await startService(
        script,
        { OTEL_SERVICE_NAME: 'example', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, REDIS_PREFIX: redis.prefix },
        ['--import', '@app/tracing/register'],
      );
      const response = await fetch(`${service.url}/users/5`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { id: number; visits: number; trace: { traceId: string } };
      expect(body).toMatchObject({ id: 5, visits: 1 });
      expect(await service.stop('SIGTERM')).toBe(0);

      const spans = receiver.spans;
      const server = spans.find((s) => s.kind === 1);
      expect(server).toMatchObject({ name: 'GET /users/:id', service: 'example', parentSpanId: undefined });
      expect(server?.attributes['http.route']).toBe('/users/:id');
      const byName = (name: string) => spans.find((s) => s.name === name);
      // One span per request by default: the lean onRequest hook's span is the SERVER span.
      expect(spans.filter((s) => s.name === 'request')).toEqual([]);
      expect(server?.scope).toBe('@app/tracing/fastify');
      const visits = byName('visits.count');
      const query = spans.find((s) => s.name.startsWith('pg.query'));
      expect(query?.parentSpanId).toBe(server?.spanId);
      expect(query?.attributes['db.query.text']).toBe('SELECT $1::int AS id, now() AS at');
      expect(visits?.parentSpanId).toBe(server?.spanId);
      expect(byName('incr')?.parentSpanId).toBe(visits?.spanId);
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([server?.traceId]));
      expect(body.trace.traceId).toBe(server?.traceId);
      expect(service.lines.find((l) => l.msg === 'user read')?.['trace.id']).toBe(server?.traceId);
    } finally {
      await receiver.close();
    }
  });
});
