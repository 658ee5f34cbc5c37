import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { METRIC_NAMES } from './names';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Registry the metrics are registered on. Default: a new `Registry` (never prom-client's global one). */
  registry?: Registry;
  /** Prepended to every metric name, e.g. `learn_` gives `learn_http_requests_total`. Default: none. */
  prefix?: string;
  /** Labels added to every series of the registry (prom-client `setDefaultLabels`). */
  defaultLabels?: Record<string, string>;
  /** Also register prom-client's default process and Node.js metrics. Default: `false`. */
  collectDefaultMetrics?: boolean;
  /** Buckets of `http_request_duration_seconds`. Default: the OpenTelemetry recommended set. */
  httpDurationBuckets?: number[];
  /**
   * Cardinality budget of every bounded label (`route`, `status_code`, and labels passed
   * through `limitLabel`): distinct values past this number collapse into `__overflow__`
   * and `metrics_label_overflow_total` counts it. Default: 100.
   */
  maxLabelValues?: number;
}

/** Records HTTP metrics from plain values; the adapters call it, and so can any other server. */
export interface HttpRecorder {
  /** Counts a request as in flight. Pair every call with one `end` (or `abandon`). */
  start(): void;
  /** Ends an in-flight request and records it. */
  end(method: string, route: string | undefined, statusCode: number | string, durationSeconds: number): void;
  /** Ends an in-flight request without recording it (excluded route). */
  abandon(): void;
  /**
   * Records one finished request: `route` is the route template (`/quizzes/:quizId`) or
   * `undefined` when no route matched; labels are bounded (see the package README).
   */
  record(method: string, route: string | undefined, statusCode: number | string, durationSeconds: number): void;
  /** Requests currently in flight. */
  readonly inFlight: number;
}

/** The metric set built by {@link createMetrics}. */
export interface AppMetrics {
  readonly registry: Registry;
  /** Metric names as registered: with the prefix, except `collectErrorsTotal` (see createMetricsHandler). */
  readonly names: { readonly [K in keyof typeof METRIC_NAMES]: string };
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly httpRequestsTotal: Counter<'method' | 'route' | 'status_code'>;
  readonly httpRequestsInFlight: Gauge;
  readonly stellarTransactionsTotal: Counter<'method' | 'status'>;
  readonly stellarTransactionDuration: Histogram<'method'>;
  readonly dbActiveConnections: Gauge;
  readonly redisConnected: Gauge;
  /** Counts values that were collapsed into `__overflow__`, by `metric` and `label`. */
  readonly labelOverflowTotal: Counter<'metric' | 'label'>;
  /** The HTTP recording core used by the Fastify plugin and the node:http middleware. */
  readonly http: HttpRecorder;
  /** Same as `http.record`. */
  recordHttpRequest(
    method: string,
    route: string | undefined,
    statusCode: number | string,
    durationSeconds: number,
  ): void;
  /**
   * Bounds a label value of any metric by the cardinality budget: returns `value` while the
   * (metric, label) pair has seen fewer than `maxLabelValues` distinct values, else `__overflow__`.
   * Use it for open-ended values such as a customer or course id.
   */
  limitLabel(metricName: string, labelName: string, value: string): string;
}

/** One labelled value of a {@link CounterSourceOptions.read} result. */
export interface CounterSample {
  labels: Record<string, string>;
  value: number;
}

/** Options of {@link registerCounterSource}. */
export interface CounterSourceOptions {
  /** Counter name; must end in `_total`. */
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** Returns the cumulative count (or counts by labels); called at scrape time. */
  read: () => number | ReadonlyArray<CounterSample>;
}

/** Options of {@link createMetricsHandler}. */
export interface MetricsHandlerOptions {
  /** When set, requests must carry `Authorization: Bearer <token>`; others get 401. */
  bearerToken?: string;
  /** Called when a metric's collect callback fails; that metric is left out of the scrape. Default: `process.emitWarning`. */
  onCollectError?: (error: unknown, metricName: string) => void;
  /**
   * Longest wait for collect callbacks in one scrape, in ms. A callback still running then is left
   * out of that scrape and reported like a failing one (error code `METRICS_ERR_COLLECT_TIMEOUT`);
   * it is not called again until it settles. When the scraper sends
   * `X-Prometheus-Scrape-Timeout-Seconds`, the wait is at most three quarters of that timeout.
   * Default: 5000. Throws `METRICS_ERR_INVALID_OPTION` unless a positive number.
   */
  collectTimeoutMs?: number;
}

/** The part of a `pg` Pool that {@link observePgPool} reads. */
export interface PgPoolLike {
  readonly totalCount: number;
  readonly idleCount: number;
}

/** The part of an `ioredis` client that {@link observeRedisClient} reads. */
export interface RedisClientLike {
  readonly status: string;
}
