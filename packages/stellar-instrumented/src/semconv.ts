/**
 * Every telemetry name this package emits: metric names and labels, span
 * names and attributes, and the fixed label values. Nothing else in the
 * package spells one inline, so a rename happens here or nowhere.
 */

/** Tracer / instrumentation scope name. */
export const INSTRUMENTATION_NAME = '@app/stellar-instrumented';

// Metrics owned by this package (the two submission metrics come from @app/metrics).
export const METRIC_RPC_REQUESTS = 'stellar_rpc_requests_total';
export const METRIC_RPC_DURATION = 'stellar_rpc_request_duration_seconds';
export const METRIC_RESUBMISSIONS = 'stellar_transaction_resubmissions_total';
export const METRIC_POLLS = 'stellar_transaction_polls_total';
export const METRIC_RESUMES = 'stellar_transaction_resumes_total';

export const LABEL_RPC_METHOD = 'rpc_method';
export const LABEL_OUTCOME = 'outcome';
export const LABEL_METHOD = 'method';
export const LABEL_REASON = 'reason';
export const LABEL_RESULT = 'result';
export const LABEL_STATUS = 'status';

/** Buckets for one RPC round trip: a local RPC answers in ms, a congested one in seconds. */
export const RPC_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** `outcome` label of `stellar_rpc_requests_total`: how one RPC round trip ended. */
export const RPC_OUTCOMES = [
  'ok',
  // An expected answer, not a failure: the account (or entry) does not exist yet, e.g. a new learner.
  'not_found',
  'rpc_error',
  'http_error',
  'timeout',
  'network_error',
  'simulation_error',
  'sdk_error',
] as const;

/** `reason` label of `stellar_transaction_resubmissions_total`: why the identical envelope was sent again. */
export const RESUBMIT_REASONS = [
  'try_again_later',
  'timeout',
  'http_error',
  'network_error',
  'rpc_error',
  'sdk_error',
] as const;

/** `result` label of `stellar_transaction_polls_total`. */
export const POLL_RESULTS = ['not_found', 'success', 'failed', 'error'] as const;

// Spans.
export const SPAN_SUBMIT = 'stellar.submit';
export const SPAN_WAIT = 'stellar.wait';
/** Child span names are this prefix plus the RPC method, e.g. `stellar.rpc sendTransaction`. */
export const SPAN_RPC_PREFIX = 'stellar.rpc ';

export const ATTR_TX_HASH = 'stellar.tx.hash';
export const ATTR_LEDGER = 'stellar.ledger';
export const ATTR_TX_STATUS = 'stellar.tx.status';
export const ATTR_TX_RESULT_CODE = 'stellar.tx.result_code';
export const ATTR_TX_ATTEMPTS = 'stellar.tx.attempts';
export const ATTR_TX_ATTEMPT = 'stellar.tx.attempt';
export const ATTR_TX_POLLS = 'stellar.tx.polls';
export const ATTR_TX_FEE_CHARGED = 'stellar.tx.fee_charged';
export const ATTR_TX_REASON = 'stellar.tx.reason';
export const ATTR_TX_MAX_TIME = 'stellar.tx.max_time';
/** Messages of the diagnostic events of an `ERROR` answer (string array), and their base64 XDR. */
export const ATTR_TX_DIAGNOSTIC_EVENTS = 'stellar.tx.diagnostic_events';
export const ATTR_TX_DIAGNOSTIC_EVENTS_XDR = 'stellar.tx.diagnostic_events_xdr';
export const ATTR_METHOD = 'stellar.method';
export const ATTR_SEND_STATUS = 'stellar.rpc.send_status';
export const ATTR_GET_STATUS = 'stellar.rpc.get_status';
export const ATTR_RPC_OUTCOME = 'stellar.rpc.outcome';
export const ATTR_RPC_METHOD = 'rpc.method';
export const ATTR_RPC_SYSTEM = 'rpc.system';
export const RPC_SYSTEM_JSONRPC = 'jsonrpc';

/** `reason` of an outcome (and the `stellar.tx.reason` attribute). */
export const REASONS = {
  onHashFailed: 'on_hash_failed',
  rpcRefused: 'rpc_refused',
  aborted: 'aborted',
  pollTimeout: 'poll_timeout',
  rpcUnavailable: 'rpc_unavailable',
  outsideRetention: 'outside_retention',
  pastTimeBound: 'past_time_bound',
  tryAgainLater: 'try_again_later',
  internalError: 'internal_error',
} as const;

/** `resultCode` when every send was answered TRY_AGAIN_LATER. */
export const RESULT_TRY_AGAIN_LATER = 'TRY_AGAIN_LATER';
