import { ERROR_CODES, StellarInstrumentedError } from './errors';

/**
 * Rejects when `promise` has not settled after `ms`. The SDK 17 `rpc.Server`
 * does not hand any timeout to its HTTP client, so a hung RPC would hang the
 * caller forever; the abandoned request finishes (or fails) in the background.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, rpcMethod: string): Promise<T> {
  // One promise and one timer per call: this runs on every RPC request.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new StellarInstrumentedError(ERROR_CODES.RPC_TIMEOUT, `${rpcMethod} did not answer within ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
