import { backoffDelay } from './backoff';
import type { RejectedAfterUncertain } from './confirm';
import { type DiagnosticEventSummary, summariseDiagnosticEvents } from './diagnostics';
import type { ResubmitReason } from './metrics';
import { decodeResult } from './result-codes';
import { isRequestRefused } from './rpc-errors';
import { type RunState, seeLedger } from './run-state';
import { ATTR_SEND_STATUS, ATTR_TX_ATTEMPT, ATTR_TX_HASH } from './semconv';
import { sleep } from './timeout';
import type { SignedTransaction } from './types';

/** What the send phase learnt; the submission routine maps it to a poll or an outcome. */
export type SendVerdict =
  /** PENDING or DUPLICATE: the network holds it; poll. */
  | { kind: 'accepted' }
  /** Some send may have reached the network; poll to find out. */
  | { kind: 'uncertain' }
  /** ERROR with nothing uncertain before it: refused, never applied. */
  | { kind: 'rejected'; resultCode: string; feeCharged?: string; diagnosticEvents?: DiagnosticEventSummary[] }
  /** ERROR after an uncertain send: refused now, but the earlier send may have landed. */
  | { kind: 'rejected_after_uncertain'; rejected: RejectedAfterUncertain }
  /** The RPC refused the request itself (parse / invalid-params JSON-RPC error); nothing was queued. */
  | { kind: 'refused'; error: Error }
  /** Every send answered TRY_AGAIN_LATER; nothing was queued. */
  | { kind: 'try_again_later' }
  /** Only TRY_AGAIN_LATER so far and the time bound has passed on the ledger. */
  | { kind: 'expired' }
  | { kind: 'aborted'; maybeSent: boolean };

/**
 * Sends the signed envelope, and on TRY_AGAIN_LATER or a transport failure
 * sends the IDENTICAL envelope again (same hash, so it can be applied at most
 * once) after a bounded backoff. A new envelope is never built here.
 */
export async function send(state: RunState, tx: SignedTransaction): Promise<SendVerdict> {
  const { deps, identity } = state;
  let uncertain = false;
  for (let attempt = 1; ; attempt++) {
    if (state.signal?.aborted) return { kind: 'aborted', maybeSent: uncertain };
    state.attempts = attempt;
    const res = await deps.rpc.settle('sendTransaction', () => deps.server.sendTransaction(tx), {
      parent: state.context,
      attributes: { [ATTR_TX_HASH]: identity.hash, [ATTR_TX_ATTEMPT]: attempt },
      describe: (r) => ({ attributes: { [ATTR_SEND_STATUS]: r.status } }),
    });
    let reason: ResubmitReason;
    if (res.ok) {
      const r = res.value;
      seeLedger(state, r.latestLedger, r.latestLedgerCloseTime);
      if (r.status === 'PENDING' || r.status === 'DUPLICATE') return { kind: 'accepted' };
      if (r.status === 'ERROR') {
        const decoded = r.errorResult ? decodeResult(r.errorResult) : { resultCode: 'unknown' };
        const resultCode = decoded.resultCode;
        const feeCharged = 'feeCharged' in decoded ? decoded.feeCharged : undefined;
        const diagnosticEvents = r.diagnosticEvents?.length ? summariseDiagnosticEvents(r.diagnosticEvents) : undefined;
        if (!uncertain) {
          const verdict: SendVerdict = { kind: 'rejected', resultCode };
          if (feeCharged !== undefined) verdict.feeCharged = feeCharged;
          if (diagnosticEvents) verdict.diagnosticEvents = diagnosticEvents;
          return verdict;
        }
        const rejected: RejectedAfterUncertain = { resultCode };
        if (feeCharged !== undefined) rejected.feeCharged = feeCharged;
        if (diagnosticEvents) rejected.diagnosticEvents = diagnosticEvents;
        return { kind: 'rejected_after_uncertain', rejected };
      }
      // TRY_AGAIN_LATER (or a status this SDK does not know): not queued, safe to resend as is.
      reason = 'try_again_later';
    } else {
      state.lastError = res.error;
      if (isRequestRefused(res.raw)) return uncertain ? { kind: 'uncertain' } : { kind: 'refused', error: res.error };
      uncertain = true;
      // simulation_error / ok never come out of a failed sendTransaction.
      reason = res.outcome as ResubmitReason;
    }
    // Past the bound, a resend can only be refused; polling (if anything may be queued) settles it.
    if (isPastMaxTime(state)) return uncertain ? { kind: 'uncertain' } : { kind: 'expired' };
    if (attempt >= deps.maxAttempts) break;
    deps.metrics.resubmission(state.method, reason);
    await sleep(backoffDelay(attempt, deps.baseDelayMs, deps.maxDelayMs), state.signal);
  }
  return uncertain ? { kind: 'uncertain' } : { kind: 'try_again_later' };
}

/** The last answer's ledger is past the transaction's bounds: TRY_AGAIN_LATER can never turn into success. */
function isPastMaxTime(state: RunState): boolean {
  const { maxTime, maxLedger } = state.identity;
  const { latestLedger, latestLedgerCloseTime } = state;
  if (maxTime !== undefined && latestLedgerCloseTime !== undefined && latestLedgerCloseTime > maxTime) return true;
  return maxLedger !== undefined && latestLedger !== undefined && latestLedger + 1 >= maxLedger;
}
