export { resolveConfig } from './config';
export type { TracingErrorCode } from './errors';
export { ERROR_CODES, TracingError } from './errors';
export { fastifyOtelPlugin } from './fastify';
export { currentTraceIds, withSpan } from './helpers';
export {
  DROP_REASON_EXPORT_FAILED,
  DROP_REASON_QUEUE_FULL,
  LABEL_DROP_REASON,
  LOG_FIELD_SPAN_ID,
  LOG_FIELD_TRACE_FLAGS,
  LOG_FIELD_TRACE_ID,
  METRIC_SPANS_DROPPED,
} from './semconv';
export { flushTracing, shutdownTracing } from './shutdown';
export { droppedSpanSamples, getTracingStats, startTracing } from './start';
export type {
  DroppedSpanSample,
  ExporterKind,
  ExportThread,
  InstrumentationName,
  OtlpProtocol,
  SamplerName,
  ServerSpans,
  TraceIds,
  TracingHandle,
  TracingOptions,
  TracingStats,
} from './types';
