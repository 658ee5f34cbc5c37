/**
 * The field names of every structured log line the service writes (audit,
 * security and request logs alike). ECS-style dotted names, flat keys (pino
 * writes them as `{"event.action": ...}`), Stellar fields under `stellar.*`.
 * This file has no dependency so `@app/tracing` and the API can import it alone
 * through `@app/audit/log-fields`.
 */
export const LOG_FIELDS = {
  /**
   * ECS `event.kind`: `event` on audit lines, `state` on chain-head lines. (There is no `audit: true`
   * flag: a key that is a boolean on some lines and an object on others — `audit` next to `audit.*` —
   * is refused by Elasticsearch/OpenSearch dynamic mappings.)
   */
  EVENT_KIND: 'event.kind',
  /** ECS `event.dataset`: which kind of line this is (`LOG_DATASETS`), to route audit lines apart. */
  EVENT_DATASET: 'event.dataset',
  EVENT_ID: 'event.id',
  /** The event name, e.g. `reward_claimed` or `authn_login_fail`. */
  EVENT_ACTION: 'event.action',
  /** `success` or `failure`. */
  EVENT_OUTCOME: 'event.outcome',
  /** Why a failure happened, a short code such as `invalid_signature`. */
  EVENT_REASON: 'event.reason',
  /** `authentication`, `iam`, `web`, ... (ECS categories). */
  EVENT_CATEGORY: 'event.category',
  /** ISO-8601 UTC time the event happened. */
  EVENT_CREATED: 'event.created',
  /** Duration in nanoseconds (ECS convention). */
  EVENT_DURATION: 'event.duration',
  USER_ID: 'user.id',
  SOURCE_IP: 'source.ip',
  USER_AGENT: 'user_agent.original',
  TRACE_ID: 'trace.id',
  SPAN_ID: 'span.id',
  TRACE_FLAGS: 'trace.flags',
  HTTP_METHOD: 'http.request.method',
  HTTP_STATUS_CODE: 'http.response.status_code',
  /** Route template (`/quizzes/:quizId`); OpenTelemetry's name, ECS has none. */
  HTTP_ROUTE: 'http.route',
  URL_PATH: 'url.path',
  ERROR_TYPE: 'error.type',
  ERROR_MESSAGE: 'error.message',
  STELLAR_ADDRESS: 'stellar.address',
  STELLAR_TX_HASH: 'stellar.tx_hash',
  STELLAR_AMOUNT: 'stellar.amount',
  AUDIT_ACTION: 'audit.action',
  AUDIT_RESOURCE: 'audit.resource',
  AUDIT_RESOURCE_ID: 'audit.resource_id',
  AUDIT_METADATA: 'audit.metadata',
  AUDIT_SCHEMA_VERSION: 'audit.schema_version',
  /** Chain head logged by the sealer: an anchor outside the database. */
  AUDIT_CHAIN_SEQ: 'audit.chain.seq',
  AUDIT_CHAIN_HASH: 'audit.chain.hash',
} as const;

/** Values of `event.dataset` on the lines this package (and the service's access log) writes. */
export const LOG_DATASETS = {
  /** One line per audit event (the copy of the row). */
  AUDIT: 'audit',
  /** The sealer's chain head after a pass. */
  AUDIT_CHAIN: 'audit.chain',
  /** One line per HTTP request. */
  ACCESS: 'access',
} as const;

export type LogFieldName = (typeof LOG_FIELDS)[keyof typeof LOG_FIELDS];

/** Values `logFields` maps to their field names; undefined ones are left out. */
export interface LogFieldsInput {
  eventAction?: string;
  eventOutcome?: 'success' | 'failure';
  eventReason?: string;
  eventCategory?: string;
  userId?: string;
  ip?: string;
  userAgent?: string;
  traceId?: string;
  spanId?: string;
  method?: string;
  statusCode?: number;
  route?: string;
  urlPath?: string;
  /** Milliseconds; written as `event.duration` in nanoseconds. */
  durationMs?: number;
  stellarAddress?: string;
  txHash?: string;
  amount?: string;
}

const KEYS: Record<Exclude<keyof LogFieldsInput, 'durationMs'>, LogFieldName> = {
  eventAction: LOG_FIELDS.EVENT_ACTION,
  eventOutcome: LOG_FIELDS.EVENT_OUTCOME,
  eventReason: LOG_FIELDS.EVENT_REASON,
  eventCategory: LOG_FIELDS.EVENT_CATEGORY,
  userId: LOG_FIELDS.USER_ID,
  ip: LOG_FIELDS.SOURCE_IP,
  userAgent: LOG_FIELDS.USER_AGENT,
  traceId: LOG_FIELDS.TRACE_ID,
  spanId: LOG_FIELDS.SPAN_ID,
  method: LOG_FIELDS.HTTP_METHOD,
  statusCode: LOG_FIELDS.HTTP_STATUS_CODE,
  route: LOG_FIELDS.HTTP_ROUTE,
  urlPath: LOG_FIELDS.URL_PATH,
  stellarAddress: LOG_FIELDS.STELLAR_ADDRESS,
  txHash: LOG_FIELDS.STELLAR_TX_HASH,
  amount: LOG_FIELDS.STELLAR_AMOUNT,
};

/**
 * Builds a log object under the convention's field names, e.g. for the API's
 * one access-log line: `logger.info(logFields({ method, route, statusCode, durationMs }), 'request')`.
 * Values are copied as given: pass a URL path without its query string.
 */
export function logFields(input: LogFieldsInput): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, name] of Object.entries(KEYS) as [keyof typeof KEYS, LogFieldName][]) {
    const value = input[key];
    if (value !== undefined && value !== null) out[name] = value;
  }
  if (input.durationMs !== undefined) out[LOG_FIELDS.EVENT_DURATION] = Math.round(input.durationMs * 1e6);
  return out;
}
