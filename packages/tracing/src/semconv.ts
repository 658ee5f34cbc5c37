/**
 * Every name this package writes into telemetry or logs, in one place.
 *
 * The log field names follow Elastic Common Schema (ECS) and are the ones the
 * audit package fixes for its rows, so a trace id found in a log line, an
 * audit row or an exemplar is the same string under the same key everywhere.
 */

/** Log field holding the 32-hex-digit trace id (ECS `trace.id`). */
export const LOG_FIELD_TRACE_ID = 'trace.id';
/** Log field holding the 16-hex-digit span id (ECS `span.id`). */
export const LOG_FIELD_SPAN_ID = 'span.id';
/** Log field holding the W3C trace flags, `01` when sampled. */
export const LOG_FIELD_TRACE_FLAGS = 'trace.flags';

/** Instrumentation scope of the Fastify SERVER spans (fastify-server.ts). */
export const FASTIFY_SCOPE = '@app/tracing/fastify';

/** Instrumentation scope of the spans `withSpan` creates. */
export const TRACER_NAME = '@app/tracing';

/** Names of the instrumentations, as used by `instrumentations`, the env lists and the debug listing. */
export const INSTRUMENTATION_NAMES = ['http', 'undici', 'fastify', 'pg', 'ioredis', 'pino'] as const;

/** Modules patched when they are first loaded; loading one before the SDK starts leaves it untraced. */
export const PATCHED_MODULES = {
  pg: 'pg',
  'pg-pool': 'pg',
  ioredis: 'ioredis',
  pino: 'pino',
  fastify: 'fastify',
} as const;

/** HTTP server span attributes (stable HTTP semantic conventions) of the Fastify SERVER span. */
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_USER_AGENT_ORIGINAL = 'user_agent.original';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';
/** The request's method when `http.request.method` says `_OTHER`. */
export const ATTR_HTTP_REQUEST_METHOD_ORIGINAL = 'http.request.method_original';

/** Environment variables read besides the standard `OTEL_*` ones. */
export const ENV_DEBUG = 'APP_TRACING_DEBUG';
/** Comma-separated instrumentation names to enable (default: all), as in auto-instrumentations-node. */
export const ENV_ENABLED_INSTRUMENTATIONS = 'OTEL_NODE_ENABLED_INSTRUMENTATIONS';
/** Comma-separated instrumentation names to disable. */
export const ENV_DISABLED_INSTRUMENTATIONS = 'OTEL_NODE_DISABLED_INSTRUMENTATIONS';
/** `true` traces pg / ioredis calls that have no parent span (background work). */
export const ENV_TRACE_BACKGROUND = 'APP_TRACING_BACKGROUND';
/** `fastify` or `http`: which instrumentation makes the SERVER span. */
export const ENV_SERVER_SPANS = 'APP_TRACING_SERVER_SPANS';
/** `true` also creates a span per Fastify hook and handler (`@fastify/otel` defaults). */
export const ENV_FASTIFY_HOOK_SPANS = 'APP_TRACING_FASTIFY_HOOK_SPANS';

/** `worker` (default) exports OTLP spans from a worker thread; `main` exports on the app's own thread. */
export const ENV_EXPORT_THREAD = 'APP_TRACING_EXPORT_THREAD';

/** Prefix of every log line this package writes itself. */
export const LOG_PREFIX = '[@app/tracing]';

/** Suggested counter name for dropped spans when exposed through `@app/metrics`. */
export const METRIC_SPANS_DROPPED = 'tracing_spans_dropped_total';
/** Label of that counter saying why spans were dropped. */
export const LABEL_DROP_REASON = 'reason';
/** The queue was full (collector slow or down for a while). */
export const DROP_REASON_QUEUE_FULL = 'queue_full';
/** An export failed (collector refused, unreachable or timed out). */
export const DROP_REASON_EXPORT_FAILED = 'export_failed';

/** `error.type` (stable semantic conventions) of a request whose client went away before the response was sent. */
export const ATTR_ERROR_TYPE = 'error.type';
export const ERROR_TYPE_ABORTED = 'aborted';
/** Status description of such a span. */
export const ABORTED_STATUS_MESSAGE = 'client closed the connection before the response was sent';
