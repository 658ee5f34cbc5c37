/**
 * Metric names of the generic set (HTTP, Stellar submission, live connections, the library's own
 * health). Dashboards and alert rules depend on these exact names, so they live here and nowhere
 * else. A `prefix` option is prepended to each. A service's domain metrics (orders, rewards, …)
 * belong to the service: register them on the same registry with `getOrCreateCounter` & co.
 */
export const METRIC_NAMES = {
  httpRequestDuration: 'http_request_duration_seconds',
  httpRequestsTotal: 'http_requests_total',
  httpRequestsInFlight: 'http_requests_in_flight',
  stellarTransactionsTotal: 'stellar_transactions_total',
  stellarTransactionDuration: 'stellar_transaction_duration_seconds',
  dbActiveConnections: 'db_active_connections',
  redisConnected: 'redis_connected',
  labelOverflowTotal: 'metrics_label_overflow_total',
  collectErrorsTotal: 'metrics_collect_errors_total',
} as const;

/** Label names of the metric set. */
export const LABEL_NAMES = {
  method: 'method',
  route: 'route',
  statusCode: 'status_code',
  status: 'status',
  metric: 'metric',
  label: 'label',
} as const;

/** Route label of requests that matched no route (never the raw URL). */
export const ROUTE_UNMATCHED = '__unmatched__';
/** Method label of any HTTP method outside the known set (OpenTelemetry semantic conventions). */
export const METHOD_OTHER = '_OTHER';
/** Status code label of a value that is not an integer in 100..599. */
export const STATUS_OTHER = '_OTHER';
/** Value a label takes once its cardinality budget is spent. */
export const LABEL_OVERFLOW = '__overflow__';

/** HTTP methods kept as they are; anything else becomes `_OTHER`. */
export const KNOWN_HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;

/** OpenTelemetry's recommended buckets for HTTP server durations, in seconds. */
export const DEFAULT_HTTP_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
/** Buckets of `stellar_transaction_duration_seconds`: ledger closes take ~5 s. */
export const STELLAR_DURATION_BUCKETS: readonly number[] = [0.5, 1, 2, 5, 10, 30];
/** Default cardinality budget of each bounded label. */
export const DEFAULT_MAX_LABEL_VALUES = 100;

/** Exemplar label names (OpenMetrics). */
export const EXEMPLAR_TRACE_ID = 'trace_id';
export const EXEMPLAR_SPAN_ID = 'span_id';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
