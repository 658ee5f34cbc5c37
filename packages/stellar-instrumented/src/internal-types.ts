import type { rpc } from '@stellar/stellar-sdk';
import type { MetricsRecorder } from './metrics';
import type { RpcCaller } from './rpc-call';
import type { SpanFactory } from './tracing';

/** Everything a submission run needs, resolved once per client. */
export interface ClientDeps {
  server: rpc.Server;
  rpc: RpcCaller;
  spans: SpanFactory;
  metrics: MetricsRecorder;
  pollIntervalMs: number;
  maxPollDurationMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}
