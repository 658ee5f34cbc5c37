import http2, { type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { type AddressInfo, connect } from 'node:net';
import { Readable } from 'node:stream';
import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import Fastify, { type FastifyInstance } from 'fastify';
import { currentTraceIds, fastifyOtelPlugin, startTracing, type TracingHandle, type TracingOptions } from '../src';

// In-process: the Fastify SERVER span comes from Fastify's `fastify.initialization` diagnostics
// channel, not from patching a module, so it works under jest's module registry.

/** What the handler saw: the active trace ids and the headers an outgoing call would carry. */
function contextSeen() {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return { ids: currentTraceIds() ?? null, carrier };
}

function buildApp(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/rewards/:id', async () => contextSeen());
  app.get('/fail', async () => {
    throw new Error('ledger closed early');
  });
  app.get('/teapot', async (_request, reply) => reply.code(503).send({ busy: true }));
  app.post(
    '/claims',
    { schema: { body: { type: 'object', required: ['quizId'], properties: { quizId: { type: 'string' } } } } },
    async () => ({ ok: true }),
  );
  app.get('/health', async () => contextSeen());
  return app;
}

const finished = (memory: InMemorySpanExporter, name: string) =>
  memory.getFinishedSpans().filter((span) => span.name === name);

async function waitForSpan(memory: InMemorySpanExporter, name: string): Promise<ReadableSpan> {
  for (let i = 0; i < 200; i++) {
    const span = finished(memory, name)[0];
    if (span) return span;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no finished span named ${name}: ${memory.getFinishedSpans().map((s) => s.name)}`);
}

/**
 * Tracing into an in-memory exporter for one describe block: `start()` (called from its
 * `beforeAll`, after any instance that must exist before tracing) starts it with the Fastify
 * instrumentation only; after the block the instances given to `closeAfter` are closed and tracing
 * shut down, so the next block starts afresh. Finished spans are cleared before each test.
 */
function inMemoryTracing(options: TracingOptions = {}) {
  const memory = new InMemorySpanExporter();
  const instances: Array<{ close(): PromiseLike<unknown> }> = [];
  let handle: TracingHandle | undefined;
  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await handle?.shutdown();
  });
  beforeEach(() => memory.reset());
  return {
    memory,
    start() {
      handle = startTracing({
        spanExporter: memory,
        exportImmediately: true,
        instrumentations: ['fastify'],
        log: () => {},
        serviceName: 'unit',
        ...options,
      });
    },
    closeAfter<T extends { close(): PromiseLike<unknown> }>(instance: T): T {
      instances.push(instance);
      return instance;
    },
  };
}

describe('the Fastify SERVER span, everything sampled', () => {
  const { memory, start, closeAfter } = inMemoryTracing({ ignorePaths: ['/health'] });
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    start();
    app = closeAfter(buildApp());
    // Registering the plugin on an instance already instrumented adds nothing.
    await app.register(fastifyOtelPlugin());
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  it('names the span after the route and records the HTTP server attributes, once per request', async () => {
    const response = await fetch(`${url}/rewards/42?token=secret`, { headers: { 'user-agent': 'unit/1' } });
    const seen = (await response.json()) as ReturnType<typeof contextSeen>;
    const span = await waitForSpan(memory, 'GET /rewards/:id');
    expect(finished(memory, 'GET /rewards/:id')).toHaveLength(1);
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.instrumentationScope.name).toBe('@app/tracing/fastify');
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/rewards/:id',
      'http.response.status_code': 200,
      'url.path': '/rewards/42',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'client.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'user_agent.original': 'unit/1',
    });
    expect(JSON.stringify(span.attributes)).not.toContain('secret');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // The handler ran inside the span: its ids, and a sampled traceparent for outgoing calls.
    expect(seen.ids).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    expect(seen.carrier.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });

  it('continues the trace of an incoming traceparent', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await fetch(`${url}/rewards/1`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    const span = await waitForSpan(memory, 'GET /rewards/:id');
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext).toMatchObject({ spanId: 'b7ad6b7169203331', isRemote: true });
  });

  it('a thrown error: status code 500, span status ERROR with the message, error.type, an exception event', async () => {
    expect((await fetch(`${url}/fail`)).status).toBe(500);
    const span = await waitForSpan(memory, 'GET /fail');
    expect(span.attributes['http.response.status_code']).toBe(500);
    expect(span.attributes['error.type']).toBe('500');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ledger closed early' });
    expect(span.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'ledger closed early'],
    ]);
  });

  it('a 5xx sent without an error is still an error; a 4xx of a client mistake leaves the status unset', async () => {
    expect((await fetch(`${url}/teapot`)).status).toBe(503);
    const busy = await waitForSpan(memory, 'GET /teapot');
    expect(busy.status.code).toBe(SpanStatusCode.ERROR);
    expect(busy.attributes['error.type']).toBe('503');

    const response = await fetch(`${url}/claims`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    const invalid = await waitForSpan(memory, 'POST /claims');
    expect(invalid.attributes['http.response.status_code']).toBe(400);
    expect(invalid.attributes['error.type']).toBeUndefined();
    expect(invalid.status.code).toBe(SpanStatusCode.UNSET);
    // The validation error is kept as an event, for whoever looks at the trace.
    expect(invalid.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('a request no route matched is named after its method alone, without http.route', async () => {
    expect((await fetch(`${url}/nowhere/7`)).status).toBe(404);
    const span = await waitForSpan(memory, 'GET');
    expect(span.attributes['http.route']).toBeUndefined();
    expect(span.attributes['url.path']).toBe('/nowhere/7');
    expect(span.attributes['http.response.status_code']).toBe(404);
  });

  it('an ignored path gets no span and no trace context', async () => {
    const seen = (await (await fetch(`${url}/health`)).json()) as ReturnType<typeof contextSeen>;
    expect(seen.ids).toBeNull();
    expect(seen.carrier).toEqual({});
    await fetch(`${url}/rewards/9`);
    await waitForSpan(memory, 'GET /rewards/:id');
    expect(memory.getFinishedSpans().map((s) => s.attributes['url.path'])).not.toContain('/health');
  });

  it('keeps odd requests within the conventions: no Host, a port that is not one, a method outside the known set', async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk: Buffer) => {
          answer += chunk.toString();
        });
        socket.on('error', reject);
        socket.on('end', () => resolve(answer));
        socket.end(request);
      });
    expect(await raw('GET /rewards/1 HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200/);
    const noHost = await waitForSpan(memory, 'GET /rewards/:id');
    expect(noHost.attributes).toMatchObject({ 'network.protocol.version': '1.0', 'url.path': '/rewards/1' });
    expect(noHost.attributes).not.toHaveProperty('server.address');
    expect(noHost.attributes).not.toHaveProperty('server.port');
    memory.reset();

    await raw('GET /rewards/2 HTTP/1.1\r\nHost: ledger.example:99999999\r\nConnection: close\r\n\r\n');
    const badPort = await waitForSpan(memory, 'GET /rewards/:id');
    expect(badPort.attributes['server.address']).toBe('ledger.example');
    expect(badPort.attributes).not.toHaveProperty('server.port');

    await raw('PROPFIND /rewards/3 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const other = await waitForSpan(memory, 'HTTP');
    expect(other.attributes).toMatchObject({
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PROPFIND',
      'http.response.status_code': 404,
    });
  });

  it('traces app.inject() requests too', async () => {
    const response = await app.inject({ method: 'GET', url: '/rewards/5' });
    expect(response.statusCode).toBe(200);
    const span = await waitForSpan(memory, 'GET /rewards/:id');
    expect(span.attributes['url.path']).toBe('/rewards/5');
    // Answered, not aborted: light-my-request's response never reports writableFinished.
    expect(span.attributes['http.response.status_code']).toBe(200);
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('an instance made before tracing started', () => {
  const { memory, start, closeAfter } = inMemoryTracing();
  let plain: FastifyInstance;
  let registered: FastifyInstance;

  beforeAll(async () => {
    plain = closeAfter(buildApp());
    registered = closeAfter(Fastify({ logger: false }));
    start();
    await registered.register(fastifyOtelPlugin());
    // A second registration, in a child context, adds no second span.
    await registered.register(async (child) => {
      await child.register(fastifyOtelPlugin());
      child.get('/rewards/:id', async () => contextSeen());
    });
  });

  it('is traced once it registers fastifyOtelPlugin(), with one span per request; otherwise not at all', async () => {
    const url = await registered.listen({ port: 0, host: '127.0.0.1' });
    const seen = (await (await fetch(`${url}/rewards/8`)).json()) as ReturnType<typeof contextSeen>;
    const span = await waitForSpan(memory, 'GET /rewards/:id');
    expect(seen.ids?.spanId).toBe(span.spanContext().spanId);
    expect(finished(memory, 'GET /rewards/:id')).toHaveLength(1);

    memory.reset();
    const plainUrl = await plain.listen({ port: 0, host: '127.0.0.1' });
    const untraced = (await (await fetch(`${plainUrl}/rewards/8`)).json()) as ReturnType<typeof contextSeen>;
    expect(untraced.ids).toBeNull();
    expect(memory.getFinishedSpans()).toEqual([]);
  });
});

describe('the Fastify SERVER span, nothing sampled', () => {
  const { memory, start, closeAfter } = inMemoryTracing({ sampler: 'parentbased_traceidratio', samplerRatio: 0 });
  let url: string;

  beforeAll(async () => {
    start();
    url = await closeAfter(buildApp()).listen({ port: 0, host: '127.0.0.1' });
  });

  it('records nothing, yet the handler has trace ids and outgoing calls say "not sampled"', async () => {
    const seen = (await (await fetch(`${url}/rewards/1`)).json()) as ReturnType<typeof contextSeen>;
    expect(seen.ids?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.ids?.traceId).not.toBe('0'.repeat(32));
    expect(seen.carrier.traceparent).toBe(`00-${seen.ids?.traceId}-${seen.ids?.spanId}-00`);
    const other = (await (await fetch(`${url}/rewards/2`)).json()) as ReturnType<typeof contextSeen>;
    expect(other.ids?.traceId).not.toBe(seen.ids?.traceId);
    expect(memory.getFinishedSpans()).toEqual([]);
  });

  it('follows the caller: an unsampled parent keeps its trace id and flag, a sampled one is recorded', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const unsampled = (await (
      await fetch(`${url}/rewards/3`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } })
    ).json()) as ReturnType<typeof contextSeen>;
    expect(unsampled.carrier.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    expect(memory.getFinishedSpans()).toEqual([]);

    await fetch(`${url}/rewards/4`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const span = await waitForSpan(memory, 'GET /rewards/:id');
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.attributes['http.response.status_code']).toBe(200);
  });
});

describe('a client that went away: the span still ends, marked aborted', () => {
  const { memory, start, closeAfter } = inMemoryTracing();
  let early: FastifyInstance;
  let h2: FastifyInstance<Http2Server, Http2ServerRequest, Http2ServerResponse>;
  let reached: () => void = () => {};

  beforeAll(async () => {
    // Made before tracing started, with an async onRequest hook ahead of the plugin's: by the time
    // the plugin's hook runs, the client is gone and the response has already emitted 'close'.
    early = closeAfter(Fastify({ logger: false }));
    early.addHook('onRequest', async (request) => {
      const gone = new Promise((resolve) => request.raw.socket.once('close', resolve));
      reached();
      await gone;
    });
    start();
    await early.register(fastifyOtelPlugin());
    early.get('/waits', async () => 'never sent');
    await early.listen({ port: 0, host: '127.0.0.1' });

    h2 = closeAfter(Fastify({ logger: false, http2: true }));
    h2.get('/stream', async (_request, reply) => {
      const body = new Readable({ read() {} });
      body.push('first chunk; the rest never comes');
      return reply.type('text/plain').send(body);
    });
    await h2.listen({ port: 0, host: '127.0.0.1' });
  });

  it('when the plugin hook runs after the client closed the connection', async () => {
    const arrived = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const { port } = early.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /waits HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.on('error', () => {});
    await arrived;
    socket.destroy();
    const span = await waitForSpan(memory, 'GET /waits');
    expect(span.attributes['error.type']).toBe('aborted');
    expect(span.attributes['http.response.status_code']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('when an HTTP/2 client resets its stream in the middle of the response', async () => {
    const { port } = h2.server.address() as AddressInfo;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const stream = session.request({ ':path': '/stream' });
      await new Promise((resolve) => stream.once('data', resolve));
      stream.close(http2.constants.NGHTTP2_CANCEL);
      const span = await waitForSpan(memory, 'GET /stream');
      expect(span.attributes['network.protocol.version']).toBe('2');
      expect(span.attributes['error.type']).toBe('aborted');
      expect(span.attributes['http.response.status_code']).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      session.destroy();
    }
  });
});

describe('fastifyOtelPlugin() registered in a child context, then on its parent', () => {
  const { memory, start, closeAfter } = inMemoryTracing({ sampler: 'parentbased_traceidratio', samplerRatio: 0 });
  let app: FastifyInstance;

  beforeAll(async () => {
    app = closeAfter(Fastify({ logger: false }));
    start();
    await app.register(async (child) => {
      await child.register(fastifyOtelPlugin());
      child.get('/rewards/:id', async () => contextSeen());
    });
    await app.register(fastifyOtelPlugin());
  });

  it('makes one span per request in the child context, sampled or not', async () => {
    const sampled = await app.inject({
      url: '/rewards/1',
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    const span = await waitForSpan(memory, 'GET /rewards/:id');
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(finished(memory, 'GET /rewards/:id')).toHaveLength(1);
    expect((sampled.json() as ReturnType<typeof contextSeen>).ids?.spanId).toBe(span.spanContext().spanId);

    // Not sampled: the handler sees the first hook's span, whose parent is the caller's.
    const unsampled = await app.inject({
      url: '/rewards/2',
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' },
    });
    const seen = unsampled.json() as ReturnType<typeof contextSeen>;
    expect(seen.ids?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(seen.carrier.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
    expect(finished(memory, 'GET /rewards/:id')).toHaveLength(1);
  });
});

describe('pipelined HTTP/1.1 requests on one connection', () => {
  const { start, closeAfter } = inMemoryTracing();
  let app: FastifyInstance;
  const seenInOnResponse = new Map<string, string | undefined>();

  beforeAll(async () => {
    start();
    app = closeAfter(Fastify({ logger: false }));
    // What @app/metrics does for exemplars: read the active trace in onResponse.
    app.addHook('onResponse', async (request) => {
      seenInOnResponse.set(String(request.query && (request.query as { n?: string }).n), currentTraceIds()?.traceId);
    });
    app.get('/rewards/:id', async () => ({ traceId: currentTraceIds()?.traceId }));
    await app.listen({ port: 0, host: '127.0.0.1' });
  });

  it('each request finishes (onResponse hooks, exemplars, the "request completed" line) in its own trace', async () => {
    const traceIds = ['1', '2', '3'].map((n) => n.repeat(32));
    const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    // Three requests in one write: Node queues the second and third responses behind the first.
    socket.write(
      traceIds
        .map(
          (traceId, i) =>
            `GET /rewards/${i}?n=${i} HTTP/1.1\r\nHost: 127.0.0.1\r\ntraceparent: 00-${traceId}-b7ad6b7169203331-01\r\n\r\n`,
        )
        .join(''),
    );
    const answered = () => (received.match(/HTTP\/1\.1 200/g) ?? []).length === 3 && received.endsWith('}');
    for (let i = 0; i < 1000 && (seenInOnResponse.size < 3 || !answered()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.destroy();
    expect(received.match(/HTTP\/1\.1 200/g)).toHaveLength(3);
    for (const [i, traceId] of traceIds.entries()) {
      expect(received).toContain(`{"traceId":"${traceId}"}`);
      expect(seenInOnResponse.get(String(i))).toBe(traceId);
    }
  });
});
