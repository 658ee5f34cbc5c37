import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { hrTimeDuration, type InstrumentationScope, TraceState } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/**
 * How a finished span crosses from the request thread to the export worker: a plain object the
 * structured-clone algorithm copies cheaply (strings, numbers, `HrTime` pairs, the span's own
 * attribute and event objects). Resource and instrumentation scope travel once each, as numbered
 * entries (`WireScope`, `WireResource`), and spans refer to them by number.
 */
export interface WireSpan {
  /** name */
  n: string;
  /** kind (the API's `SpanKind`) */
  k: SpanKind;
  /** trace id, span id, trace flags, trace state (W3C `tracestate` string) */
  t: string;
  s: string;
  f: number;
  ts: string | undefined;
  /** parent span context, when there is one */
  p: WireContext | undefined;
  /** start and end time */
  st: HrTime;
  et: HrTime;
  /** status */
  c: SpanStatus;
  a: Attributes;
  e: TimedEvent[];
  l: WireLink[];
  /** dropped attributes, events and links */
  da: number;
  de: number;
  dl: number;
  /** numbers of the span's resource and instrumentation scope */
  r: number;
  sc: number;
}

/** A span context without the `TraceState` object: `[traceId, spanId, traceFlags, isRemote, tracestate]`. */
export type WireContext = [string, string, number, boolean, string | undefined];

export interface WireLink {
  c: WireContext;
  a: Attributes | undefined;
  d: number | undefined;
}

export interface WireScope {
  id: number;
  name: string;
  version: string | undefined;
  schemaUrl: string | undefined;
}

export interface WireResource {
  id: number;
  attributes: Attributes;
  schemaUrl: string | undefined;
}

function wireContext(context: SpanContext): WireContext {
  return [
    context.traceId,
    context.spanId,
    context.traceFlags,
    context.isRemote === true,
    context.traceState?.serialize(),
  ];
}

function wireLink(link: Link): WireLink {
  return { c: wireContext(link.context), a: link.attributes, d: link.droppedAttributesCount };
}

const NO_LINKS: WireLink[] = [];

/** The wire form of a finished span; `resource` and `scope` are the numbers of its resource and scope. */
export function toWire(span: ReadableSpan, resource: number, scope: number): WireSpan {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    n: span.name,
    k: span.kind,
    t: context.traceId,
    s: context.spanId,
    f: context.traceFlags,
    ts: context.traceState?.serialize(),
    p: parent ? wireContext(parent) : undefined,
    st: span.startTime,
    et: span.endTime,
    c: span.status,
    a: span.attributes,
    e: span.events,
    l: span.links.length === 0 ? NO_LINKS : span.links.map(wireLink),
    da: span.droppedAttributesCount,
    de: span.droppedEventsCount,
    dl: span.droppedLinksCount,
    r: resource,
    sc: scope,
  };
}

export function wireScope(id: number, scope: InstrumentationScope): WireScope {
  return { id, name: scope.name, version: scope.version, schemaUrl: scope.schemaUrl };
}

export function wireResource(id: number, resource: Resource): WireResource {
  return { id, attributes: { ...resource.attributes }, schemaUrl: resource.schemaUrl };
}

function spanContext(wire: WireContext): SpanContext {
  const [traceId, spanId, traceFlags, isRemote, traceState] = wire;
  return {
    traceId,
    spanId,
    traceFlags,
    isRemote,
    ...(traceState !== undefined ? { traceState: new TraceState(traceState) } : {}),
  };
}

/** A `ReadableSpan` rebuilt from its wire form in the export worker, for the SDK's processors and exporters. */
export class ReceivedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: TimedEvent[];
  readonly ended = true;
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
  private readonly context: SpanContext;

  constructor(
    wire: WireSpan,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
  ) {
    this.name = wire.n;
    this.kind = wire.k;
    this.context = spanContext([wire.t, wire.s, wire.f, false, wire.ts]);
    this.parentSpanContext = wire.p ? spanContext(wire.p) : undefined;
    this.startTime = wire.st;
    this.endTime = wire.et;
    this.status = wire.c;
    this.attributes = wire.a;
    this.events = wire.e;
    this.links = wire.l.map((link) => ({
      context: spanContext(link.c),
      ...(link.a !== undefined ? { attributes: link.a } : {}),
      ...(link.d !== undefined ? { droppedAttributesCount: link.d } : {}),
    }));
    this.droppedAttributesCount = wire.da;
    this.droppedEventsCount = wire.de;
    this.droppedLinksCount = wire.dl;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  get duration(): HrTime {
    return hrTimeDuration(this.startTime, this.endTime);
  }
}
