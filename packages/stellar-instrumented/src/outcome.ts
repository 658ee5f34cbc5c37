import type { RunState } from './run-state';
import type { SubmissionOutcome, SubmissionStatus } from './types';

/** The fields of an outcome a phase decides; the rest comes from the run state. */
export interface Verdict {
  status: SubmissionStatus;
  ledger?: number;
  resultCode?: string;
  operationResultCodes?: string[];
  feeCharged?: string;
  returnValue?: SubmissionOutcome['returnValue'];
  reason?: string;
  error?: Error;
}

export function buildOutcome(
  state: RunState,
  verdict: Verdict,
  timing: { totalMs: number; sendMs: number; confirmMs: number },
): SubmissionOutcome {
  const outcome: SubmissionOutcome = {
    status: verdict.status,
    hash: state.identity.hash,
    method: state.method,
    attempts: state.attempts,
    polls: state.polls,
    durations: timing,
  };
  if (verdict.ledger !== undefined) outcome.ledger = verdict.ledger;
  if (verdict.resultCode !== undefined) outcome.resultCode = verdict.resultCode;
  if (verdict.operationResultCodes) outcome.operationResultCodes = verdict.operationResultCodes;
  if (verdict.feeCharged !== undefined) outcome.feeCharged = verdict.feeCharged;
  if (verdict.returnValue !== undefined) outcome.returnValue = verdict.returnValue;
  if (verdict.reason !== undefined) outcome.reason = verdict.reason;
  if (state.latestLedger !== undefined) outcome.latestLedger = state.latestLedger;
  if (state.latestLedgerCloseTime !== undefined) outcome.latestLedgerCloseTime = state.latestLedgerCloseTime;
  const error =
    verdict.error ?? (verdict.status === 'error' || verdict.status === 'indeterminate' ? state.lastError : undefined);
  if (error) outcome.error = error;
  return outcome;
}
