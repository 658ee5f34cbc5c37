import { isPastBounds } from './bounds';
import type { DiagnosticEventSummary } from './diagnostics';
import { rejectedVerdict, type Verdict } from './outcome';
import { decodeResult } from './result-codes';
import { type RunState, seeLedger } from './run-state';
import { ATTR_GET_STATUS, ATTR_LEDGER, ATTR_TX_HASH, REASONS } from './semconv';
import { sleep } from './timeout';

/** A send the network answered ERROR after an earlier send's fate was unknown. */
export interface RejectedAfterUncertain {
  resultCode: string;
  feeCharged?: string;
  diagnosticEvents?: DiagnosticEventSummary[];
}

/**
 * Polls getTransaction until the transaction is in a ledger, or provably never
 * will be, or the poll budget runs out (`indeterminate`: NOT_FOUND is not a
 * failure). After an ERROR that followed an uncertain send, the earlier
 * request may still be in flight and be queued later, so only the time bound
 * turns that ERROR into a final `rejected`.
 */
export async function confirm(
  state: RunState,
  options: { firstDelayMs: number; rejected?: RejectedAfterUncertain },
): Promise<Verdict> {
  const { deps, identity } = state;
  const deadline = performance.now() + deps.maxPollDurationMs;
  let delay = options.firstDelayMs;
  let lastPollFailed = false;
  for (;;) {
    if (state.signal?.aborted) return { status: 'indeterminate', reason: REASONS.aborted };
    if (performance.now() + delay > deadline) break;
    await sleep(delay, state.signal);
    delay = deps.pollIntervalMs;
    if (state.signal?.aborted) return { status: 'indeterminate', reason: REASONS.aborted };
    state.polls += 1;
    const res = await deps.rpc.settle('getTransaction', () => deps.server.getTransaction(identity.hash), {
      parent: state.context,
      attributes: { [ATTR_TX_HASH]: identity.hash },
      describe: (r) => ({
        attributes:
          'ledger' in r ? { [ATTR_GET_STATUS]: r.status, [ATTR_LEDGER]: r.ledger } : { [ATTR_GET_STATUS]: r.status },
      }),
    });
    if (!res.ok) {
      lastPollFailed = true;
      state.lastError = res.error;
      deps.metrics.poll(state.method, 'error');
      continue;
    }
    lastPollFailed = false;
    const r = res.value;
    seeLedger(state, r.latestLedger, r.latestLedgerCloseTime);
    // Compared as strings so the SDK is never loaded at runtime by this package (it is the caller's copy).
    if (r.status === 'SUCCESS' || r.status === 'FAILED') {
      const success = r.status === 'SUCCESS';
      deps.metrics.poll(state.method, success ? 'success' : 'failed');
      const decoded = decodeResult(r.resultXdr);
      const verdict: Verdict = { status: success ? 'success' : 'failed', ledger: r.ledger, ...decoded };
      if (success && r.returnValue !== undefined) verdict.returnValue = r.returnValue;
      return verdict;
    }
    deps.metrics.poll(state.method, 'not_found');
    if (isPastBounds(identity, r, state.sentAfter)) {
      if (!options.rejected) return { status: 'expired', reason: REASONS.pastTimeBound };
      return { ...rejectedVerdict(options.rejected), reason: REASONS.pastTimeBound };
    }
    // Past its bounds, yet the RPC no longer holds the ledgers it could have landed in: polling more cannot tell.
    if (isPastBounds(identity, r, Number.POSITIVE_INFINITY)) {
      return { status: 'indeterminate', reason: REASONS.outsideRetention };
    }
  }
  return { status: 'indeterminate', reason: lastPollFailed ? REASONS.rpcUnavailable : REASONS.pollTimeout };
}
