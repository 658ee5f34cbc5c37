import type { DiagnosticEventSummary } from './diagnostics';
/** Stable codes for errors a caller can cause or meet. */
export const ERROR_CODES = {
  INVALID_OPTION: 'STELLAR_ERR_INVALID_OPTION',
  INVALID_METHOD: 'STELLAR_ERR_INVALID_METHOD',
  INVALID_TRANSACTION: 'STELLAR_ERR_INVALID_TRANSACTION',
  INVALID_HASH: 'STELLAR_ERR_INVALID_HASH',
  RPC_TIMEOUT: 'STELLAR_ERR_RPC_TIMEOUT',
  RPC_ERROR: 'STELLAR_ERR_RPC_ERROR',
  ABORTED: 'STELLAR_ERR_ABORTED',
  ACCOUNT_NOT_FOUND: 'STELLAR_ERR_ACCOUNT_NOT_FOUND',
  /** The network refused the envelope (`sendTransaction` answered `ERROR`); carried by `rejected` outcomes. */
  TX_REJECTED: 'STELLAR_ERR_TX_REJECTED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Error thrown (or carried in an outcome) by this package; `code` is stable, the message is for humans. */
export class StellarInstrumentedError extends Error {
  readonly code: ErrorCode;
  /** For `TX_REJECTED`: the diagnostic events the network attached to its `ERROR` answer, if any. */
  diagnosticEvents?: DiagnosticEventSummary[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StellarInstrumentedError';
    this.code = code;
  }
}
