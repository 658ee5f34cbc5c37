import { ERROR_CODES, StellarInstrumentedError } from './errors';
import type { RpcOutcome } from './types';

/**
 * Sorts a thrown RPC failure into an `outcome` label. The SDK throws the bare
 * JSON-RPC `error` object for protocol errors, an Error with `response` for
 * HTTP errors, fetch's TypeError (or a socket error code) when the connection
 * fails, and a plain Error of its own otherwise. A missing account (an expected answer for a
 * new learner) is `not_found`, never an error.
 */
export function classifyRpcError(error: unknown): RpcOutcome {
  if (error instanceof StellarInstrumentedError && error.code === ERROR_CODES.RPC_TIMEOUT) return 'timeout';
  if (error instanceof StellarInstrumentedError && error.code === ERROR_CODES.ACCOUNT_NOT_FOUND) return 'not_found';
  if (isJsonRpcError(error)) return 'rpc_error';
  if (typeof error !== 'object' || error === null) return 'sdk_error';
  if ((error as { response?: unknown }).response) return 'http_error';
  // The SDK's fetch client wraps a failed connection in an AxiosError without a response.
  const isTransport = (error as { isAxiosError?: unknown }).isAxiosError === true || error instanceof TypeError;
  if (isTransport || hasSocketCode(error) || hasSocketCode((error as { cause?: unknown }).cause)) {
    return 'network_error';
  }
  return 'sdk_error';
}

function hasSocketCode(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR)/.test(code);
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

/**
 * JSON-RPC errors that mean the RPC refused to parse or route the request, so
 * nothing was forwarded to core. Anything else (e.g. -32603, an internal error
 * while submitting) may have reached core and is treated as uncertain.
 */
const REQUEST_REFUSED_CODES = new Set([-32700, -32600, -32601, -32602]);

export function isRequestRefused(raw: unknown): boolean {
  return isJsonRpcError(raw) && REQUEST_REFUSED_CODES.has(raw.code);
}
