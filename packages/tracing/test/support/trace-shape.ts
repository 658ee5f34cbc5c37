/** The fields of a span the trace-shape assertions need, from either exporter. */
export interface SpanView {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  status?: { code: number; message?: string };
}

const SERVER = 1;
const CLIENT = 2;

function only(spans: SpanView[], predicate: (s: SpanView) => boolean, what: string): SpanView {
  const found = spans.filter(predicate);
  if (found.length !== 1) {
    throw new Error(`expected one ${what}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  }
  return found[0]!;
}

/**
 * Checks the trace of one `GET /claims/1` request of the fixture: one trace,
 * the SERVER span at the root (from @fastify/otel by default; from node:http
 * with `serverSpans: 'http'`, with the @fastify/otel `request` span under it),
 * the business span under the span active in the handler, and the pg and
 * ioredis spans under the business span. Returns the spans by role.
 */
export function expectClaimTrace(spans: SpanView[], serverSpans: 'fastify' | 'http' = 'fastify') {
  const traceIds = new Set(spans.map((s) => s.traceId));
  expect(traceIds.size).toBe(1);

  const server = only(spans, (s) => s.kind === SERVER, 'server span');
  expect(server.name).toBe('GET /claims/:id');
  expect(server.parentSpanId).toBeUndefined();
  expect(server.attributes).toMatchObject({
    'http.route': '/claims/:id',
    'http.request.method': 'GET',
    'http.response.status_code': 200,
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'network.protocol.version': '1.1',
  });

  let handlerSpan = server;
  if (serverSpans === 'http') {
    handlerSpan = only(spans, (s) => s.name === 'request', '@fastify/otel request span');
    expect(handlerSpan.parentSpanId).toBe(server.spanId);
    expect(handlerSpan.kind).toBe(0);
    expect(handlerSpan.attributes['http.route']).toBe('/claims/:id');
  } else {
    expect(server.attributes['url.path']).toBe('/claims/1');
    expect(spans.filter((s) => s.name === 'request')).toEqual([]);
  }

  const claim = only(spans, (s) => s.name === 'reward.claim', 'business span');
  expect(claim.parentSpanId).toBe(handlerSpan.spanId);
  expect(claim.attributes['app.claim.id']).toBe(1);

  const query = only(spans, (s) => s.name.startsWith('pg.query'), 'pg query span');
  expect(query.kind).toBe(CLIENT);
  expect(query.parentSpanId).toBe(claim.spanId);
  expect(query.attributes['db.system.name']).toBe('postgresql');
  expect(query.attributes['db.query.text']).toBe('SELECT id, amount FROM claims WHERE id = $1');

  const redis = spans.filter((s) => s.attributes['db.system.name'] === 'redis');
  expect(redis.map((s) => s.name).sort()).toEqual(['get', 'set']);
  for (const command of redis) {
    expect(command.kind).toBe(CLIENT);
    expect(command.parentSpanId).toBe(claim.spanId);
  }
  return { traceId: server.traceId, server, handlerSpan, claim, query, redis };
}
