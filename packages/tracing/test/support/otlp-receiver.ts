import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One span as received over OTLP/HTTP JSON, flattened. */
export interface ReceivedSpan {
  service: string;
  scope: string;
  name: string;
  /** As the API's `SpanKind`: 0 internal, 1 server, 2 client. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        name: string;
        kind: number;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

function value(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue;
}

function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

/** Decodes an OTLP/HTTP JSON `ExportTraceServiceRequest` into flat spans. */
export function decodeOtlpJson(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as OtlpRequest;
  const spans: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const service = String(attributes(rs.resource?.attributes)['service.name']);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          service,
          scope: ss.scope?.name ?? '',
          name: s.name,
          // OTLP numbers kinds from UNSPECIFIED = 0; the API's SpanKind from INTERNAL = 0.
          kind: s.kind - 1,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          attributes: attributes(s.attributes),
        });
      }
    }
  }
  return spans;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Content types of the requests received. */
  readonly contentTypes: string[];
  /** Raw bodies of requests that were not JSON (e.g. protobuf). */
  readonly otherBodies: Buffer[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** A local OTLP/HTTP collector stand-in: accepts POST /v1/traces (JSON) and keeps the spans. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const otherBodies: Buffer[] = [];
  const server: Server = createServer(async (request, response) => {
    let body = await readBody(request);
    if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    contentTypes.push(String(request.headers['content-type']));
    if (request.method === 'POST' && request.url === '/v1/traces' && contentTypes.at(-1) === 'application/json') {
      spans.push(...decodeOtlpJson(body));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    otherBodies.push(body);
    response.writeHead(request.url === '/v1/traces' ? 415 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    contentTypes,
    otherBodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
