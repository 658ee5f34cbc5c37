import { ERROR_CODES, StellarInstrumentedError } from './errors';
import type { RpcOutcome } from './types';

/**
 * Sorts a thrown RPC failure into an `outcome` label. The SDK throws the bare
 * JSON-RPC `error` object for protocol errors, an Error with `response` for
 * HTTP errors, and fetch's TypeError when the connection fails.
 */
export function classifyRpcError(error: unknown): RpcOutcome {
  if (error instanceof StellarInstrumentedError && error.code === ERROR_CODES.RPC_TIMEOUT) return 'timeout';
  if (isJsonRpcError(error)) return 'rpc_error';
  if (typeof error === 'object' && error !== null && 'response' in error && (error as { response?: unknown }).response)
    return 'http_error';
  return 'network_error';
}

function isJsonRpcError(error: unknown): error is { code: number; message?: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    !(error instanceof Error) &&
    typeof (error as { code?: unknown }).code === 'number'
  );
}

/** Turns whatever the SDK threw into an Error a span and an outcome can carry. */
export function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (isJsonRpcError(error)) {
    return new StellarInstrumentedError(
      ERROR_CODES.RPC_ERROR,
      `JSON-RPC error ${error.code}: ${String(error.message ?? 'no message')}`,
    );
  }
  return new Error(String(error));
}
