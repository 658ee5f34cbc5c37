import { createMetrics, getOrCreateCounter, getOrCreateHistogram } from '@app/metrics';
import type { Registry } from 'prom-client';
import {
  LABEL_METHOD,
  LABEL_OUTCOME,
  LABEL_REASON,
  LABEL_RESULT,
  LABEL_RPC_METHOD,
  LABEL_STATUS,
  METRIC_POLLS,
  METRIC_RESUBMISSIONS,
  METRIC_RESUMES,
  METRIC_RPC_DURATION,
  METRIC_RPC_REQUESTS,
  type POLL_RESULTS,
  type RESUBMIT_REASONS,
  RPC_DURATION_BUCKETS,
} from './semconv';
import type { RpcOutcome, SubmissionStatus } from './types';

export type ResubmitReason = (typeof RESUBMIT_REASONS)[number];
export type PollResult = (typeof POLL_RESULTS)[number];

/** The recording side of metrics; every method is safe to call and never throws. */
export interface MetricsRecorder {
  rpc(rpcMethod: string, outcome: RpcOutcome, seconds: number): void;
  submission(method: string, status: SubmissionStatus, seconds: number): void;
  /** A resumed wait: counted apart so a re-checked submission is not counted twice. */
  resume(method: string, status: SubmissionStatus): void;
  resubmission(method: string, reason: ResubmitReason): void;
  poll(method: string, result: PollResult): void;
}

/**
 * Registers (idempotently) the metrics on `registry`. The two submission
 * metrics come from `@app/metrics` so their names, labels and buckets match
 * the rest of the service. `report` receives any error instead of the caller.
 */
export function createMetricsRecorder(registry: Registry, report: (error: unknown) => void): MetricsRecorder {
  const shared = createMetrics({ registry });
  const rpcRequests = getOrCreateCounter(registry, {
    name: METRIC_RPC_REQUESTS,
    help: 'Stellar RPC requests by JSON-RPC method and how they ended.',
    labelNames: [LABEL_RPC_METHOD, LABEL_OUTCOME],
  });
  const rpcDuration = getOrCreateHistogram(registry, {
    name: METRIC_RPC_DURATION,
    help: 'Duration of one Stellar RPC request in seconds, timeouts included.',
    labelNames: [LABEL_RPC_METHOD],
    buckets: RPC_DURATION_BUCKETS,
  });
  const resubmissions = getOrCreateCounter(registry, {
    name: METRIC_RESUBMISSIONS,
    help: 'Resubmissions of the identical signed envelope, by logical method and reason.',
    labelNames: [LABEL_METHOD, LABEL_REASON],
  });
  const polls = getOrCreateCounter(registry, {
    name: METRIC_POLLS,
    help: 'getTransaction polls made while waiting for an outcome, by logical method and result.',
    labelNames: [LABEL_METHOD, LABEL_RESULT],
  });
  const resumes = getOrCreateCounter(registry, {
    name: METRIC_RESUMES,
    help: 'Outcomes of resumed waits on a persisted hash (waitForTransaction), by logical method and status.',
    labelNames: [LABEL_METHOD, LABEL_STATUS],
  });
  const guard =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        report(error);
      }
    };
  return {
    rpc: guard((rpcMethod: string, outcome: RpcOutcome, seconds: number) => {
      rpcRequests.inc({ [LABEL_RPC_METHOD]: rpcMethod, [LABEL_OUTCOME]: outcome });
      rpcDuration.observe({ [LABEL_RPC_METHOD]: rpcMethod }, seconds);
    }),
    submission: guard((method: string, status: SubmissionStatus, seconds: number) => {
      shared.stellarTransactionsTotal.inc({ method, status });
      shared.stellarTransactionDuration.observe({ method }, seconds);
    }),
    resume: guard((method: string, status: SubmissionStatus) => {
      resumes.inc({ [LABEL_METHOD]: method, [LABEL_STATUS]: status });
    }),
    resubmission: guard((method: string, reason: ResubmitReason) => {
      resubmissions.inc({ [LABEL_METHOD]: method, [LABEL_REASON]: reason });
    }),
    poll: guard((method: string, result: PollResult) => {
      polls.inc({ [LABEL_METHOD]: method, [LABEL_RESULT]: result });
    }),
  };
}
