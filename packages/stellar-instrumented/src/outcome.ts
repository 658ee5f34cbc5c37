import type { DiagnosticEventSummary } from './diagnostics';
import { ERROR_CODES, StellarInstrumentedError } from './errors';
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
  diagnosticEvents?: DiagnosticEventSummary[];
  error?: Error;
}

/**
 * The verdict of an `ERROR` answer: the result code, the fee the network reported, the diagnostic
 * events, and an error whose message says why (the events' messages), so logs and spans carry it.
 */
export function rejectedVerdict(sent: {
  resultCode: string;
  feeCharged?: string;
  diagnosticEvents?: DiagnosticEventSummary[];
}): Verdict {
  const verdict: Verdict = { status: 'rejected', resultCode: sent.resultCode };
  if (sent.feeCharged !== undefined) verdict.feeCharged = sent.feeCharged;
  const why = sent.diagnosticEvents?.map((e) => e.message).join('; ');
  const error = new StellarInstrumentedError(
    ERROR_CODES.TX_REJECTED,
    `sendTransaction answered ERROR ${sent.resultCode}${why ? `: ${why}` : ''}`,
  );
  if (sent.diagnosticEvents) {
    verdict.diagnosticEvents = sent.diagnosticEvents;
    error.diagnosticEvents = sent.diagnosticEvents;
  }
  verdict.error = error;
  return verdict;
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
  if (verdict.diagnosticEvents) outcome.diagnosticEvents = verdict.diagnosticEvents;
  if (state.latestLedger !== undefined) outcome.latestLedger = state.latestLedger;
  if (state.latestLedgerCloseTime !== undefined) outcome.latestLedgerCloseTime = state.latestLedgerCloseTime;
  const error =
    verdict.error ?? (verdict.status === 'error' || verdict.status === 'indeterminate' ? state.lastError : undefined);
  if (error) outcome.error = error;
  return outcome;
}
