import type { EnvelopeResult } from './gateway';

/** What becomes of one job when its envelope's outcome is known. */
export type JobTransition =
  | { to: 'confirmed'; ledger: number }
  | { to: 'failed' | 'expired'; resultCode: string; ledger: number | null }
  /** Back in the queue; `counted` false when another job's operation failed the envelope. */
  | { to: 'requested'; resultCode: string; counted: boolean };

/**
 * The transition of the job at `opIndex` of an envelope that is `applied` (in a ledger) or `void`
 * (can never be applied), after `attempts` envelopes counted against it (this one included).
 * Its own operation's result decides; a job whose operation was fine in a batch that another
 * operation failed goes back to the queue without losing an attempt.
 */
export function transitionOf(
  result: Extract<EnvelopeResult, { kind: 'applied' | 'void' }>,
  opIndex: number,
  attempts: number,
  maxAttempts: number,
): JobTransition {
  const ledger = result.kind === 'applied' ? result.ledger : null;
  if (result.kind === 'applied' && result.successful) return { to: 'confirmed', ledger: result.ledger };
  // Never queued (TRY_AGAIN_LATER until its time bound): the network's congestion, not the job's fault.
  if (result.kind === 'void' && result.cause === 'unsent') {
    return { to: 'requested', resultCode: result.resultCode, counted: false };
  }
  const own = result.operations[opIndex];
  if (own && !own.successful) {
    // A create_account that found the account already there: the next envelope pays it instead.
    if (own.stale && attempts < maxAttempts) return { to: 'requested', resultCode: own.code, counted: true };
    return { to: 'failed', resultCode: own.code, ledger };
  }
  if (result.operations.some((op) => !op.successful)) {
    return { to: 'requested', resultCode: result.resultCode, counted: false };
  }
  // No operation to blame (expired, or a refusal of the whole envelope): this attempt counts.
  if (attempts < maxAttempts) return { to: 'requested', resultCode: result.resultCode, counted: true };
  // The last envelope's own cause decides: every envelope expiring is `expired`, not `failed`.
  const expired = result.kind === 'void' && result.cause === 'expired';
  return { to: expired ? 'expired' : 'failed', resultCode: result.resultCode, ledger };
}
