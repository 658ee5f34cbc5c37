import { type Attributes, type Context, context, SpanKind } from '@opentelemetry/api';
import type { MetricsRecorder } from './metrics';
import { classifyRpcError, toError } from './rpc-errors';
import { ATTR_RPC_METHOD, ATTR_RPC_OUTCOME, ATTR_RPC_SYSTEM, RPC_SYSTEM_JSONRPC, SPAN_RPC_PREFIX } from './semconv';
import { withTimeout } from './timeout';
import type { SpanFactory } from './tracing';
import type { RpcOutcome } from './types';

/** One RPC round trip as the submission routine sees it: a value or a classified error. */
export type RpcResult<T> = { ok: true; value: T } | { ok: false; outcome: RpcOutcome; error: Error; raw: unknown };

/** Describes a successful response on its span; may downgrade the outcome (e.g. a simulation error). */
export type Describe<T> = (value: T) => { attributes?: Attributes; outcome?: RpcOutcome } | undefined;

/** Options of one instrumented call. */
export interface CallOptions<T> {
  parent?: Context;
  attributes?: Attributes;
  describe?: Describe<T>;
  /** Renames the SDK's own errors for this call (prepareTransaction throws them for failed simulations). */
  sdkErrorOutcome?: RpcOutcome;
}

/**
 * Runs one SDK call with the wrapper's timeout, a child span and the per-RPC
 * metrics. `settle` never throws for RPC failures; `call` rethrows them.
 */
export class RpcCaller {
  constructor(
    private readonly spans: SpanFactory,
    private readonly metrics: MetricsRecorder,
    private readonly timeoutMs: number,
  ) {}

  async settle<T>(rpcMethod: string, fn: () => Promise<T>, options: CallOptions<T> = {}): Promise<RpcResult<T>> {
    const span = this.spans.start(
      SPAN_RPC_PREFIX + rpcMethod,
      { [ATTR_RPC_SYSTEM]: RPC_SYSTEM_JSONRPC, [ATTR_RPC_METHOD]: rpcMethod, ...options.attributes },
      options.parent,
      // An RPC call leaves the process: a client span, per the RPC semantic conventions.
      SpanKind.CLIENT,
    );
    const started = performance.now();
    let result: RpcResult<T>;
    try {
      // The SDK call runs inside the RPC span, so HTTP client spans (e.g. from undici instrumentation) nest under it.
      const value = await withTimeout(context.with(span.context, fn), this.timeoutMs, rpcMethod);
      result = { ok: true, value };
    } catch (raw) {
      const outcome = classifyRpcError(raw);
      const renamed = outcome === 'sdk_error' && options.sdkErrorOutcome ? options.sdkErrorOutcome : outcome;
      result = { ok: false, outcome: renamed, error: toError(raw), raw };
    }
    const seconds = (performance.now() - started) / 1000;
    let outcome: RpcOutcome = result.ok ? 'ok' : result.outcome;
    let attributes: Attributes | undefined;
    if (result.ok && options.describe) {
      try {
        const described = options.describe(result.value);
        attributes = described?.attributes;
        if (described?.outcome) outcome = described.outcome;
      } catch {
        // A response the describer cannot read is still the caller's response.
      }
    }
    span.set(attributes ? { ...attributes, [ATTR_RPC_OUTCOME]: outcome } : { [ATTR_RPC_OUTCOME]: outcome });
    // A missing account is an answer, not a failure: the span stays unset (OTel: client 4xx-like).
    if (!result.ok && outcome !== 'not_found') span.fail(result.error);
    else if (result.ok && outcome !== 'ok') span.fail(undefined, outcome);
    span.end();
    this.metrics.rpc(rpcMethod, outcome, seconds);
    return result;
  }

  async call<T>(rpcMethod: string, fn: () => Promise<T>, options: CallOptions<T> = {}): Promise<T> {
    const result = await this.settle(rpcMethod, fn, options);
    if (result.ok) return result.value;
    // Rethrow what the SDK threw, so callers keep their existing error handling.
    throw result.raw;
  }
}
