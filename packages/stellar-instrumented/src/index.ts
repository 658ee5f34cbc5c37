export { transactionIdentity } from './bounds';
export { createStellarClient } from './client';
export type { DiagnosticEventSummary } from './diagnostics';
export { summariseDiagnosticEvents } from './diagnostics';
export type { ErrorCode } from './errors';
export { ERROR_CODES, StellarInstrumentedError } from './errors';
export type { DecodedResult } from './result-codes';
export { decodeResult } from './result-codes';
export {
  ATTR_LEDGER,
  ATTR_METHOD,
  ATTR_RPC_METHOD,
  ATTR_TX_ATTEMPTS,
  ATTR_TX_DIAGNOSTIC_EVENTS,
  ATTR_TX_DIAGNOSTIC_EVENTS_XDR,
  ATTR_TX_HASH,
  ATTR_TX_RESULT_CODE,
  ATTR_TX_STATUS,
  METRIC_POLLS,
  METRIC_RESUBMISSIONS,
  METRIC_RESUMES,
  METRIC_RPC_DURATION,
  METRIC_RPC_REQUESTS,
  REASONS,
  SPAN_RPC_PREFIX,
  SPAN_SUBMIT,
  SPAN_WAIT,
} from './semconv';
export type {
  RpcOutcome,
  SendRetryOptions,
  SignedTransaction,
  StellarClient,
  StellarClientOptions,
  SubmissionDurations,
  SubmissionOutcome,
  SubmissionStatus,
  SubmitOptions,
  TransactionIdentity,
  WaitOptions,
} from './types';
