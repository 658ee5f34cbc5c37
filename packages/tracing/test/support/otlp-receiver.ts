import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { protobufToJsonShape } from './otlp-proto';

/** One span as received over OTLP/HTTP (JSON or protobuf), flattened. */
export interface ReceivedSpan {
  service: string;
  /** Every resource attribute. */
  resource: Record<string, unknown>;
  scope: string;
  scopeVersion: string | undefined;
  name: string;
  /** As the API's `SpanKind`: 0 internal, 1 server, 2 client. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceState: string | undefined;
  /** OTLP span flags: W3C trace flags plus the has-is-remote (0x100) and is-remote (0x200) bits of the parent. */
  flags: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  events: { name: string; timeUnixNano: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; traceState: string | undefined; attributes: Record<string, unknown> }[];
  /** OTLP status codes: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string | undefined };
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  flags?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
  events?: { name: string; timeUnixNano: string | number; attributes?: OtlpAttribute[] }[];
  links?: { traceId: string; spanId: string; traceState?: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number; message?: string };
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      scope?: { name?: string; version?: string };
      spans?: OtlpSpan[];
    }[];
  }[];
}

function value(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
  // proto3 leaves `false` out of the protobuf body; an attribute with no value set is a `false` boolean there.
  return v.boolValue ?? false;
}

function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value ?? {})]));
}

/** Flattens an `ExportTraceServiceRequest` in the OTLP/JSON object shape. */
function flatten(request: OtlpRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          service: String(resource['service.name']),
          resource,
          scope: ss.scope?.name ?? '',
          scopeVersion: ss.scope?.version || undefined,
          name: s.name,
          // OTLP numbers kinds from UNSPECIFIED = 0; the API's SpanKind from INTERNAL = 0.
          kind: s.kind - 1,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          traceState: s.traceState || undefined,
          flags: s.flags ?? 0,
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e) => ({
            name: e.name,
            timeUnixNano: String(e.timeUnixNano),
            attributes: attributes(e.attributes),
          })),
          links: (s.links ?? []).map((l) => ({
            traceId: l.traceId,
            spanId: l.spanId,
            traceState: l.traceState || undefined,
            attributes: attributes(l.attributes),
          })),
          status: { code: s.status?.code ?? 0, message: s.status?.message || undefined },
          droppedAttributesCount: s.droppedAttributesCount ?? 0,
          droppedEventsCount: s.droppedEventsCount ?? 0,
          droppedLinksCount: s.droppedLinksCount ?? 0,
        });
      }
    }
  }
  return spans;
}

/** Decodes an OTLP/HTTP JSON `ExportTraceServiceRequest` into flat spans. */
export function decodeOtlpJson(body: Buffer): ReceivedSpan[] {
  return flatten(JSON.parse(body.toString('utf8')) as OtlpRequest);
}

/** Decodes an OTLP/HTTP protobuf `ExportTraceServiceRequest` into flat spans. */
export function decodeOtlpProtobuf(body: Buffer): ReceivedSpan[] {
  return flatten(protobufToJsonShape(body) as OtlpRequest);
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Content types of the requests received. */
  readonly contentTypes: string[];
  /** Raw bodies of requests that were neither OTLP JSON nor OTLP protobuf. */
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

/** A local OTLP/HTTP collector stand-in: accepts POST /v1/traces (JSON or protobuf) and keeps the spans. */
export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const otherBodies: Buffer[] = [];
  const server: Server = createServer(async (request, response) => {
    let body = await readBody(request);
    if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    contentTypes.push(String(request.headers['content-type']));
    const type = contentTypes.at(-1);
    if (request.method === 'POST' && request.url === '/v1/traces' && type === 'application/json') {
      spans.push(...decodeOtlpJson(body));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (request.method === 'POST' && request.url === '/v1/traces' && type === 'application/x-protobuf') {
      spans.push(...decodeOtlpProtobuf(body));
      // An empty ExportTraceServiceResponse.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      return;
    }
    otherBodies.push(body);
    response.writeHead(request.url === '/v1/traces' ? 415 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/v1/traces`,
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
