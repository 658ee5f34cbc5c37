export { resolveConfig } from './config';
export { ERROR_CODES, TracingError } from './errors';
export type { TracingErrorCode } from './errors';
export { fastifyOtelPlugin } from './fastify';
export { currentTraceIds, withSpan } from './helpers';
export {
  LOG_FIELD_SPAN_ID,
  LOG_FIELD_TRACE_FLAGS,
  LOG_FIELD_TRACE_ID,
} from './semconv';
export { installShutdownHandlers } from './shutdown';
export { getTracingStats, startTracing } from './start';
export type {
  ExporterKind,
  InstrumentationName,
  OtlpProtocol,
  SamplerName,
  ShutdownOptions,
  TraceIds,
  TracingHandle,
  TracingOptions,
  TracingStats,
} from './types';
