import { connect } from 'node:net';
import { createTestRedis, createTestSchema, type TestRedis, type TestSchema } from '@app/test-utils';
import { type RunningService, startService } from './support/child';
import { type OtlpReceiver, startOtlpReceiver } from './support/otlp-receiver';
import { expectClaimTrace, type SpanView } from './support/trace-shape';

const FIXTURE = 'test/fixtures/service.cjs';

async function waitFor<T>(read: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForAsync<T>(read: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('one Fastify request reading PostgreSQL and Redis', () => {
  let schema: TestSchema;
  let redis: TestRedis;
  let service: RunningService | undefined;
  let receiver: OtlpReceiver | undefined;

  beforeAll(async () => {
    schema = await createTestSchema('tracing');
    await schema.pool.query('CREATE TABLE claims (id int PRIMARY KEY, amount numeric NOT NULL)');
    await schema.pool.query('INSERT INTO claims VALUES (1, 25)');
    redis = createTestRedis('tracing');
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(async () => {
    await schema.drop();
    await redis.cleanup();
  });

  const env = () => ({ PG_SCHEMA: schema.name, REDIS_PREFIX: redis.prefix });

  /** Lines written inside the request's spans carry its ids under the ECS names. */
  async function expectLogsCorrelated(lines: Record<string, unknown>[], traceId: string, spanId: string) {
    const claimLine = lines.find((line) => line.msg === 'claim read');
    expect(claimLine).toMatchObject({ 'trace.id': traceId, 'span.id': spanId, 'trace.flags': '01' });
    // Written after the response went out: it may still be in the pipe.
    const completed = await waitFor(() =>
      lines.find((line) => line.reqId === claimLine?.reqId && line.msg === 'request completed'),
    );
    expect(completed['trace.id']).toBe(traceId);
    return lines.find((line) => line.reqId === claimLine?.reqId && line.msg === 'incoming request');
  }

  it('yields one correctly parented trace in an in-memory exporter, and the pino lines carry its id', async () => {
    service = await startService(FIXTURE, { ...env(), FIXTURE_TRACING: 'memory' });
    const response = await fetch(`${service.url}/claims/1`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { claim: { amount: string }; ids: { traceId: string } };
    expect(body.claim.amount).toBe('25');

    const spans = (await (await fetch(`${service.url}/__spans`)).json()) as SpanView[];
    const trace = expectClaimTrace(spans);
    expect(body.ids.traceId).toBe(trace.traceId);
    const incoming = await expectLogsCorrelated(service.lines, trace.traceId, trace.server.spanId);
    // Fastify logs "incoming request" before its first hook, so before @fastify/otel's span exists.
    expect(incoming?.['trace.id']).toBeUndefined();
  });

  it('continues a trace from an incoming traceparent header', async () => {
    service = await startService(FIXTURE, { ...env(), FIXTURE_TRACING: 'memory', FIXTURE_QUIET: '1' });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parentId = 'b7ad6b7169203331';
    const response = await fetch(`${service.url}/ping`, { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
    expect(response.status).toBe(200);
    const spans = (await (await fetch(`${service.url}/__spans`)).json()) as SpanView[];
    expect(spans.find((s) => s.name === 'GET /ping')).toMatchObject({ kind: 1, traceId, parentSpanId: parentId });
  });

  it('exports the same trace over OTLP/HTTP when started with the preload', async () => {
    receiver = await startOtlpReceiver();
    service = await startService(
      FIXTURE,
      {
        ...env(),
        OTEL_SERVICE_NAME: 'claims-fixture',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      ['--import', '@app/tracing/register'],
    );
    expect((await fetch(`${service.url}/claims/1`)).status).toBe(200);
    const r = receiver;
    const spans = await waitFor(() => (r.spans.some((s) => s.kind === 1) && r.spans.length >= 6 ? r.spans : undefined));
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['claims-fixture']));
    expect(receiver.contentTypes[0]).toBe('application/x-protobuf');
    const trace = expectClaimTrace(spans);
    await expectLogsCorrelated(service.lines, trace.traceId, trace.server.spanId);
  });

  it(`with serverSpans 'http', node:http makes the SERVER span and every request log line is correlated`, async () => {
    receiver = await startOtlpReceiver();
    service = await startService(
      FIXTURE,
      {
        ...env(),
        APP_TRACING_SERVER_SPANS: 'http',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      ['--import', '@app/tracing/register'],
    );
    expect((await fetch(`${service.url}/claims/1?token=abc`)).status).toBe(200);
    const r = receiver;
    const spans = await waitFor(() => (r.spans.some((s) => s.kind === 1) && r.spans.length >= 7 ? r.spans : undefined));
    const trace = expectClaimTrace(spans, 'http');
    expect(trace.handlerSpan.attributes['url.path']).toBe('/claims/1');
    const incoming = await expectLogsCorrelated(service.lines, trace.traceId, trace.handlerSpan.spanId);
    expect(incoming?.['trace.id']).toBe(trace.traceId);
  });

  it('drains an in-flight request on SIGTERM, then flushes its span before exiting', async () => {
    receiver = await startOtlpReceiver();
    // A long batch delay: the span can only reach the receiver through the shutdown flush.
    service = await startService(
      FIXTURE,
      {
        ...env(),
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        FIXTURE_QUIET: '1',
      },
      ['--import', '@app/tracing/register'],
    );
    const inFlight = fetch(`${service.url}/slow?ms=600`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const exited = service.stop('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await exited).toBe(0);
    service = undefined;
    expect(receiver.spans.map((s) => s.name)).toContain('GET /slow');
  });

  it('marks the span of a request whose client went away before the answer, with no pretend status code', async () => {
    service = await startService(FIXTURE, { ...env(), FIXTURE_TRACING: 'memory', FIXTURE_QUIET: '1' });
    const spansNow = async () => (await (await fetch(`${service!.url}/__spans`)).json()) as SpanView[];
    // The request is handed to the kernel in full, then the client closes before /slow answers.
    const socket = connect(service.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.write('GET /slow?ms=2000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', () => resolve());
    });
    socket.destroy();
    const aborted = await waitForAsync(async () => (await spansNow()).find((s) => s.name === 'GET /slow'));
    expect(aborted.attributes['error.type']).toBe('aborted');
    expect(aborted.attributes['http.response.status_code']).toBeUndefined();
    expect(aborted.status).toMatchObject({ code: 2 });

    // The handler still answers later, into the void: the span stays as it was.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const after = (await spansNow()).filter((s) => s.name === 'GET /slow');
    expect(after).toHaveLength(1);
    expect(after[0]!.attributes['http.response.status_code']).toBeUndefined();

    // A request that completes is not marked.
    expect((await fetch(`${service.url}/slow?ms=10`)).status).toBe(200);
    const done = await waitForAsync(async () => (await spansNow()).filter((s) => s.name === 'GET /slow')[1]);
    expect(done.attributes['error.type']).toBeUndefined();
    expect(done.attributes['http.response.status_code']).toBe(200);
  });
});
