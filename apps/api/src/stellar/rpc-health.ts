import { ERROR_CODES, StellarInstrumentedError } from '@app/stellar-instrumented';

/**
 * Operator messages for the Stellar RPC as a dependency, as `plugins/redis.ts` does for Redis:
 * one warning when it becomes unreachable (its address and the cause), retries with exponential
 * backoff at debug level, one info line when it answers again (with how long it was down).
 *
 * While it is down, calls through {@link RpcHealth.wrap} fail at once with
 * {@link RpcUnreachableError} (no request leaves the process); a probe (`getHealth`, JSON-RPC over
 * `fetch`) decides when it is back. Whoever logs an RPC failure logs an `RpcUnreachableError` at
 * debug (`isRpcUnreachable`): the monitor has already said it once.
 *
 * A failure that the probe contradicts at once (`getHealth` healthy) is transient and logged at debug,
 * unless the same gateway method fails that way three times in a row with no success between (an RPC,
 * or a gateway in front of it, failing one method such as `getTransaction` with HTTP 503 while
 * answering `getHealth`): then one warning names the method and cause, and one info line says when
 * that method answers again. `stellar_rpc_up` stays 1 then (the RPC is reachable); the failed
 * requests are in `stellar_rpc_requests_total`.
 */

/** Thrown by a wrapped gateway call while the RPC cannot be reached. `cause` is the original error, if any. */
export class RpcUnreachableError extends Error {
  readonly code = 'STELLAR_RPC_UNREACHABLE';
  constructor(
    /** Where the RPC is (scheme, host and port only). */
    readonly address: string,
    /** What went wrong reaching it: a socket code (`ECONNREFUSED`), `HTTP 503`, a timeout. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Stellar RPC at ${address} unreachable (${reason})`, options);
    this.name = 'RpcUnreachableError';
  }
}

/** True for the error a wrapped gateway throws while the RPC is unreachable (log it at debug). */
export function isRpcUnreachable(error: unknown): error is RpcUnreachableError {
  return error instanceof RpcUnreachableError;
}

/**
 * Whether a thrown RPC failure means the RPC could not be reached or did not answer: a socket error
 * code (`ECONNREFUSED`, `UND_ERR_*`, on the error or its cause), `fetch failed`, an HTTP client or
 * instrumented-client timeout, or an HTTP 5xx (a proxy or load balancer in front of a dead RPC). A
 * JSON-RPC error, a 4xx, a missing account or any other exception (a bug) is not an outage.
 */
export function isOutage(error: unknown): boolean {
  if (error instanceof RpcUnreachableError) return true;
  if (error instanceof StellarInstrumentedError) return error.code === ERROR_CODES.RPC_TIMEOUT;
  if (typeof error !== 'object' || error === null) return false;
  const status = (error as { response?: { status?: unknown } }).response?.status;
  if (typeof status === 'number') return status >= 500;
  if (socketCode(error) !== undefined || socketCode((error as { cause?: unknown }).cause) !== undefined) return true;
  // fetch's `TypeError: fetch failed`, which the SDK's HTTP client rewraps as an AxiosError without the cause, and
  // its timeout (ECONNABORTED). Any other TypeError or AxiosError is a bug or a bad answer, not an outage.
  const { message } = error as { message?: unknown };
  if (message === 'fetch failed') return true;
  return (
    (error as { isAxiosError?: unknown }).isAxiosError === true && (error as { code?: unknown }).code === 'ECONNABORTED'
  );
}

function socketCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  // errno codes (ECONNREFUSED, EAI_AGAIN), undici's (UND_ERR_CONNECT_TIMEOUT), axios' ERR_NETWORK; never Node's ERR_* bugs.
  return typeof code === 'string' && /^(E(?!RR_)[A-Z_]+|UND_ERR_[A-Z_]+|ERR_NETWORK)$/.test(code) ? code : undefined;
}

/**
 * The address to name in messages: scheme, host and port of the RPC URL. The path, query and
 * credentials are left out (RPC providers put API keys there).
 */
export function rpcAddress(url: string): string {
  return new URL(url).origin;
}

/** One `getHealth` round trip; resolves to `undefined` when healthy, else why not. */
async function probe(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return `HTTP ${response.status}`;
    const body = (await response.json()) as { result?: { status?: unknown }; error?: { code?: unknown } };
    if (body.error) return `getHealth error ${String(body.error.code)}`;
    if (body.result?.status !== 'healthy') return `getHealth status ${String(body.result?.status)}`;
    return undefined;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    const cause = (error as { cause?: unknown }).cause;
    return (
      socketCode(cause) ?? socketCode(error) ?? (cause instanceof Error ? cause.message : (error as Error).message)
    );
  }
}

/** Options of {@link createRpcHealth}. */
export interface RpcHealthOptions {
  /** The RPC URL the gateway uses (`STELLAR_RPC_URL`, or the embedded sandbox's). */
  url: string;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    debug(obj: object, msg: string): void;
  };
  /** First retry after this many ms, doubling up to `maxDelayMs`; default 500. */
  initialDelayMs?: number;
  /** Longest pause between two probes; default 30000 (as Redis). */
  maxDelayMs?: number;
  /** How long one probe waits for an answer; default 5000. */
  probeTimeoutMs?: number;
  /** Told on every change: `true` when reachable (again), `false` when it went down. */
  onChange?(up: boolean): void;
}

/** The Stellar RPC's reachability as one process sees it. */
export interface RpcHealth {
  /** Scheme, host and port of the RPC (what the messages name). */
  readonly address: string;
  /** False from the first failed call (or probe) until a probe or a call succeeds again. */
  readonly reachable: boolean;
  /**
   * The same gateway, each call reporting to the monitor: a failure that is an outage
   * ({@link isOutage}) marks the RPC down and is rethrown as {@link RpcUnreachableError}; while
   * down every call but `ping` fails at once with it. `ping` always goes out (readiness): its
   * success ends an outage, its failure starts one.
   */
  wrap<G extends object>(gateway: G): G;
  /** Stops probing (on close). */
  close(): void;
}

/** Transient failures in a row of one gateway method (each followed by a healthy probe) before one warning. */
const FLAKY_AFTER = 3;

/** A monitor for the RPC at `options.url`: see the module comment for the messages it writes. */
export function createRpcHealth(options: RpcHealthOptions): RpcHealth {
  const { url, log } = options;
  const address = rpcAddress(url);
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 5000;
  const fields = { 'server.address': address };
  let outage: {
    since: number;
    reason: string;
    attempts: number;
    timer?: NodeJS.Timeout;
    warned: boolean;
    /** The gateway method whose failure started it (none: `ping`). */
    method?: string | undefined;
    /** The JSON-RPC method of that call, when its error tells (axios' request body). */
    rpcMethod?: string | undefined;
  } | null = null;
  let closed = false;
  /**
   * One gateway method failing as an outage again and again while `getHealth` answers healthy each
   * time (e.g. a gateway answering 503 to `getTransaction` only): each failure alone looks transient.
   */
  let flaky: {
    method: string;
    /** The JSON-RPC method the failing call sent (e.g. `getTransaction`), when the error tells. */
    rpcMethod: string | undefined;
    reason: string;
    since: number;
    failures: number;
    warned: boolean;
  } | null = null;

  const recovered = () => {
    if (!outage) return;
    clearTimeout(outage.timer);
    const seconds = Math.round((Date.now() - outage.since) / 100) / 10;
    const { warned, method, reason, rpcMethod } = outage;
    outage = null;
    options.onChange?.(true);
    if (!warned && method !== undefined) failedAgain(method, reason, rpcMethod);
    if (warned) {
      log.info(
        { ...fields, 'event.duration_s': seconds },
        `Stellar RPC at ${address} reachable again after ${seconds} s`,
      );
    } else {
      log.debug({ ...fields }, `Stellar RPC at ${address} answered again at once (a transient failure)`);
    }
  };

  /** A transient failure of `method` (the probe said healthy at once): the third in a row is reported once. */
  const failedAgain = (method: string, reason: string, rpcMethod: string | undefined) => {
    if (flaky?.method !== method) flaky = { method, rpcMethod, reason, since: Date.now(), failures: 0, warned: false };
    flaky.failures += 1;
    flaky.reason = reason;
    flaky.rpcMethod = rpcMethod ?? flaky.rpcMethod;
    if (flaky.failures < FLAKY_AFTER || flaky.warned) return;
    flaky.warned = true;
    log.warn(
      {
        ...fields,
        'error.code': reason,
        'code.function.name': method,
        ...(flaky.rpcMethod ? { 'rpc.method': flaky.rpcMethod } : {}),
        failures: flaky.failures,
      },
      `Stellar RPC at ${address} keeps failing ${flaky.rpcMethod ?? method} calls (${reason}) although getHealth answers healthy: reward payouts and credential mints wait as requested; their look-ups are retried at the poll and reconciler cadence`,
    );
  };

  /** A call of `method` succeeded: ends its run of failures (one line when it had been reported). */
  const succeeded = (method: string) => {
    if (flaky?.method !== method) return;
    const { warned, since, rpcMethod } = flaky;
    flaky = null;
    if (!warned) return;
    const seconds = Math.round((Date.now() - since) / 100) / 10;
    log.info(
      {
        ...fields,
        'code.function.name': method,
        ...(rpcMethod ? { 'rpc.method': rpcMethod } : {}),
        'event.duration_s': seconds,
      },
      `Stellar RPC at ${address} answers ${rpcMethod ?? method} calls again after ${seconds} s`,
    );
  };

  const scheduleProbe = (delayMs: number) => {
    if (!outage || closed) return;
    outage.timer = setTimeout(() => void runProbe(), delayMs);
    outage.timer.unref();
  };

  const runProbe = async () => {
    const current = outage;
    if (!current || closed) return;
    const reason = await probe(url, probeTimeoutMs);
    if (outage !== current || closed) return;
    if (reason === undefined) return recovered();
    current.reason = reason;
    current.attempts += 1;
    const delayMs = Math.min(initialDelayMs * 2 ** (current.attempts - 1), maxDelayMs);
    if (!current.warned) {
      current.warned = true;
      log.warn(
        { ...fields, 'error.code': reason },
        `Stellar RPC at ${address} unreachable (${reason}): reward payouts and credential mints wait as requested, /ready answers 503; retrying with backoff (up to ${maxDelayMs / 1000} s)`,
      );
    } else {
      log.debug(
        { ...fields, 'error.code': reason, attempt: current.attempts, 'retry.delay_ms': delayMs },
        `Stellar RPC at ${address} still unreachable (${reason}); next attempt in ${delayMs} ms`,
      );
    }
    scheduleProbe(delayMs);
  };

  /** A call failed with an outage (or `ping` said no): mark down (once) and probe now to learn the cause. */
  const wentDown = (error: unknown, method?: string) => {
    if (outage || closed) return;
    outage = {
      since: Date.now(),
      reason: describe(error),
      attempts: 0,
      warned: false,
      method,
      rpcMethod: rpcMethodOf(error),
    };
    options.onChange?.(false);
    void runProbe();
  };

  const unreachable = (cause?: unknown) =>
    new RpcUnreachableError(address, outage?.reason ?? describe(cause), cause === undefined ? undefined : { cause });

  return {
    address,
    get reachable() {
      return outage === null;
    },
    wrap<G extends object>(gateway: G): G {
      const wrapped = new Map<PropertyKey, unknown>();
      return new Proxy(gateway, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          if (typeof value !== 'function') return value;
          if (!wrapped.has(key)) {
            const fn = value as (...args: unknown[]) => Promise<unknown>;
            wrapped.set(
              key,
              key === 'ping'
                ? async (...args: unknown[]) => {
                    const up = await fn.apply(target, args);
                    if (up === true) recovered();
                    else wentDown(undefined);
                    return up;
                  }
                : async (...args: unknown[]) => {
                    if (outage) throw unreachable();
                    try {
                      const value = await fn.apply(target, args);
                      succeeded(String(key));
                      return value;
                    } catch (error) {
                      if (!isOutage(error)) throw error;
                      wentDown(error, String(key));
                      throw unreachable(error);
                    }
                  },
            );
          }
          return wrapped.get(key);
        },
      });
    },
    close() {
      closed = true;
      if (outage) clearTimeout(outage.timer);
    },
  };
}

/**
 * The JSON-RPC method of a failed SDK call, read from the request body the SDK's HTTP client (an
 * axios-compatible one) attaches to its error (`config.data`, an object or JSON text); undefined when
 * absent or not a plain method name.
 */
function rpcMethodOf(error: unknown): string | undefined {
  const data = (error as { config?: { data?: unknown } } | undefined)?.config?.data;
  let body: unknown = data;
  if (typeof data === 'string' && data.length <= 1_000_000) {
    try {
      body = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const method = typeof body === 'object' && body !== null ? (body as { method?: unknown }).method : undefined;
  return typeof method === 'string' && /^[A-Za-z]{1,64}$/.test(method) ? method : undefined;
}

function describe(error: unknown): string {
  if (error instanceof RpcUnreachableError) return error.reason;
  const status = (error as { response?: { status?: unknown } } | undefined)?.response?.status;
  if (typeof status === 'number') return `HTTP ${status}`;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return socketCode(cause) ?? socketCode(error) ?? (error instanceof Error ? error.message : 'no answer');
}
