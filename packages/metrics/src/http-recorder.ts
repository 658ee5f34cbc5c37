import type { Counter, Gauge, Histogram } from 'prom-client';
import { activeTraceIds } from './active-trace';
import type { Exemplar } from './exemplars';
import { HistogramCell } from './histogram-cell';
import type { LabelBudget } from './label-budget';
import {
  EXEMPLAR_SPAN_ID,
  EXEMPLAR_TRACE_ID,
  KNOWN_HTTP_METHODS,
  LABEL_OVERFLOW,
  METHOD_OTHER,
  ROUTE_UNMATCHED,
  STATUS_OTHER,
} from './names';
import type { HttpRecorder } from './types';

type HttpLabel = 'method' | 'route' | 'status_code';

/** One (method, route, status_code) series, resolved once and reused by every later request. */
interface Series {
  readonly labels: Record<HttpLabel, string>;
  readonly cell: HistogramCell;
  count: number;
  synced: number;
  exemplars: Array<Exemplar | undefined> | undefined;
}

/** The series of one (route, status) pair, indexed by method. */
interface Slot {
  readonly route: string;
  readonly status: number;
  readonly series: Array<Series | undefined>;
}

interface RouteEntry {
  readonly route: string;
  readonly statuses: Map<number, Slot>;
}

const METHOD_LABELS: readonly string[] = [...KNOWN_HTTP_METHODS, METHOD_OTHER];
const OTHER_INDEX = KNOWN_HTTP_METHODS.length;
const STATUS_OTHER_KEY = -1;
const STATUS_OVERFLOW_KEY = -2;

function statusLabel(key: number): string {
  if (key === STATUS_OTHER_KEY) return STATUS_OTHER;
  if (key === STATUS_OVERFLOW_KEY) return LABEL_OVERFLOW;
  return String(key);
}

function statusKeyOfLabel(label: string): number {
  if (label === STATUS_OTHER) return STATUS_OTHER_KEY;
  if (label === LABEL_OVERFLOW) return STATUS_OVERFLOW_KEY;
  return Number(label);
}

function methodIndex(method: string): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'DELETE':
      return 4;
    case 'CONNECT':
      return 5;
    case 'OPTIONS':
      return 6;
    case 'TRACE':
      return 7;
    case 'PATCH':
      return 8;
    case 'QUERY':
      return 9;
    default:
      return OTHER_INDEX;
  }
}

function statusKey(statusCode: number | string): number {
  const code = typeof statusCode === 'number' ? statusCode : Number(statusCode);
  return Number.isInteger(code) && code >= 100 && code <= 599 ? code : STATUS_OTHER_KEY;
}

export interface HttpRecorderParts {
  duration: Histogram<HttpLabel>;
  total: Counter<HttpLabel>;
  inFlight: Gauge;
  routeBudget: LabelBudget;
  statusBudget: LabelBudget;
}

/**
 * The framework-free HTTP recording core. Each label set is resolved (normalised, checked against
 * its budget, bound to a histogram child) the first time it is seen; later requests find it in
 * three small lookups. Request counts and the in-flight number are plain integers handed to
 * prom-client when the registry is collected, which keeps two metric updates off the hot path.
 */
export class HttpMetricsRecorder implements HttpRecorder {
  private readonly routes = new Map<string, RouteEntry>();
  private readonly all: Series[] = [];
  private readonly bounds: readonly number[];
  private readonly bucketKeys: readonly string[];
  private readonly byLabels = new WeakMap<object, Series>();
  private active = 0;

  constructor(private readonly parts: HttpRecorderParts) {
    this.bounds = (parts.duration as unknown as { upperBounds: readonly number[] }).upperBounds;
    this.bucketKeys = this.bounds.map(String);
  }

  get inFlight(): number {
    return this.active;
  }

  start(): void {
    this.active++;
  }

  abandon(): void {
    this.active--;
  }

  end(method: string, route: string | undefined, statusCode: number | string, durationSeconds: number): void {
    this.active--;
    this.record(method, route, statusCode, durationSeconds);
  }

  record(method: string, route: string | undefined, statusCode: number | string, durationSeconds: number): void {
    const series = this.series(methodIndex(method), route ?? ROUTE_UNMATCHED, statusKey(statusCode));
    const seconds = durationSeconds >= 0 && durationSeconds < Number.POSITIVE_INFINITY ? durationSeconds : 0;
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket++;
    series.cell.observe(seconds, bucket);
    series.count++;
    const ids = activeTraceIds();
    if (ids !== undefined) this.keepExemplar(series, seconds, bucket, ids.traceId, ids.spanId);
  }

  /** Hands the request counts and the in-flight number to prom-client (called from `collect`). */
  sync(): void {
    for (const series of this.all) {
      if (series.count > series.synced) {
        this.parts.total.inc(series.labels, series.count - series.synced);
        series.synced = series.count;
      }
    }
    this.parts.inFlight.set(this.active);
  }

  /**
   * The exemplars of one series of the duration histogram, indexed like its buckets (`+Inf` last),
   * from the labels object prom-client keeps for the series (the recorder's own, so no lookup by value).
   */
  exemplarsFor(labels: Record<string, string | number>): ReadonlyArray<Exemplar | undefined> | undefined {
    const series = this.byLabels.get(labels);
    if (series !== undefined) return series.exemplars;
    const slot = this.routes.get(String(labels.route))?.statuses.get(statusKeyOfLabel(String(labels.status_code)));
    return slot?.series[METHOD_LABELS.indexOf(String(labels.method))]?.exemplars;
  }

  private series(method: number, route: string, status: number): Series {
    const entry = this.routes.get(route) ?? this.admitRoute(route);
    const slot = entry.statuses.get(status) ?? this.admitStatus(entry, status);
    return slot.series[method] ?? this.create(slot, method);
  }

  // Fixed values (unmatched, _OTHER) never spend budget; over-budget values are not remembered,
  // so a flood of new values costs no memory.
  private admitRoute(route: string): RouteEntry {
    const label = route === ROUTE_UNMATCHED ? route : this.parts.routeBudget.admit(route);
    let entry = this.routes.get(label);
    if (entry === undefined) {
      entry = { route: label, statuses: new Map() };
      this.routes.set(label, entry);
    }
    return entry;
  }

  private admitStatus(entry: RouteEntry, status: number): Slot {
    let key = status;
    if (status !== STATUS_OTHER_KEY && this.parts.statusBudget.admit(String(status)) === LABEL_OVERFLOW) {
      key = STATUS_OVERFLOW_KEY;
    }
    let slot = entry.statuses.get(key);
    if (slot === undefined) {
      slot = { route: entry.route, status: key, series: [] };
      entry.statuses.set(key, slot);
    }
    return slot;
  }

  private create(slot: Slot, method: number): Series {
    const labels: Record<HttpLabel, string> = {
      method: METHOD_LABELS[method]!,
      route: slot.route,
      status_code: statusLabel(slot.status),
    };
    const series: Series = {
      labels,
      cell: new HistogramCell(this.parts.duration as Histogram<string>, labels, this.bucketKeys),
      count: 0,
      synced: 0,
      exemplars: undefined,
    };
    slot.series[method] = series;
    this.byLabels.set(labels, series);
    this.all.push(series);
    return series;
  }

  private keepExemplar(series: Series, seconds: number, bucket: number, traceId: string, spanId: string): void {
    series.exemplars ??= [];
    series.exemplars[bucket] = {
      labels: { [EXEMPLAR_TRACE_ID]: traceId, [EXEMPLAR_SPAN_ID]: spanId },
      value: seconds,
      timestamp: Date.now() / 1000,
    };
  }
}
