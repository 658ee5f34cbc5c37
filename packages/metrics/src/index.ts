export type { ExpositionFormat } from './accept';
export { negotiateFormat } from './accept';
export { registerCounterSource } from './counter-source';
export { createMetrics } from './create-metrics';
export type { MetricsErrorCode } from './errors';
export { ERROR_CODES, MetricsError } from './errors';
export { getOrCreateCounter, getOrCreateGauge, getOrCreateHistogram } from './get-or-create';
export { createMetricsHandler } from './metrics-handler';
export {
  DEFAULT_HTTP_DURATION_BUCKETS,
  DEFAULT_MAX_LABEL_VALUES,
  KNOWN_HTTP_METHODS,
  LABEL_NAMES,
  LABEL_OVERFLOW,
  METHOD_OTHER,
  METRIC_NAMES,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  ROUTE_UNMATCHED,
  STATUS_OTHER,
  STELLAR_DURATION_BUCKETS,
} from './names';
export { observePgPool, observeRedisClient } from './observe-clients';
export { timeAsync } from './time-async';
export type {
  AppMetrics,
  CounterSample,
  CounterSourceOptions,
  HttpRecorder,
  MetricsHandlerOptions,
  MetricsOptions,
  PgPoolLike,
  RedisClientLike,
} from './types';
