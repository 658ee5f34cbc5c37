import { context } from '@opentelemetry/api';
import { transactionIdentity } from './bounds';
import { confirm } from './confirm';
import { ERROR_CODES, StellarInstrumentedError } from './errors';
import type { ClientDeps } from './internal-types';
import { buildOutcome, rejectedVerdict, type Verdict } from './outcome';
import type { RunState } from './run-state';
import {
  ATTR_LEDGER,
  ATTR_METHOD,
  ATTR_TX_ATTEMPTS,
  ATTR_TX_DIAGNOSTIC_EVENTS,
  ATTR_TX_DIAGNOSTIC_EVENTS_XDR,
  ATTR_TX_FEE_CHARGED,
  ATTR_TX_HASH,
  ATTR_TX_MAX_TIME,
  ATTR_TX_POLLS,
  ATTR_TX_REASON,
  ATTR_TX_RESULT_CODE,
  ATTR_TX_STATUS,
  REASONS,
  RESULT_TRY_AGAIN_LATER,
  SPAN_SUBMIT,
  SPAN_WAIT,
} from './semconv';
import { type SendVerdict, send } from './send';
import type { SafeSpan } from './tracing';
import type { SignedTransaction, SubmissionOutcome, SubmitOptions, TransactionIdentity, WaitOptions } from './types';

const METHOD_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Without `submittedAt`, a resumed wait assumes the transaction was sent at most this long before its maxTime. */
const DEFAULT_RESUME_WINDOW_SECONDS = 86_400;

/** Implements `submitAndWait`; see the README for the outcome model. */
export async function submitAndWait(
  deps: ClientDeps,
  tx: SignedTransaction,
  options: SubmitOptions,
): Promise<SubmissionOutcome> {
  checkMethod(options?.method);
  const identity = identify(tx);
  const started = performance.now();
  const span = startSpan(deps, SPAN_SUBMIT, options.method, identity);
  const state: RunState = {
    deps,
    method: options.method,
    identity,
    context: span.context,
    signal: options.signal,
    // Nothing of ours can be in a ledger that closed before this call.
    sentAfter: Math.floor(Date.now() / 1000),
    attempts: 0,
    polls: 0,
  };
  let sendMs = 0;
  let verdict: Verdict;
  try {
    // No await (and no copy) when nothing listens: a free tick saved on every submission.
    if (options.onHash) await options.onHash({ ...identity });
  } catch (error) {
    verdict = {
      status: 'error',
      reason: REASONS.onHashFailed,
      error: error instanceof Error ? error : new Error(String(error)),
    };
    return finish(state, span, verdict, started, 0, false);
  }
  try {
    const sent = await send(state, tx);
    sendMs = performance.now() - started;
    verdict = await afterSend(state, sent);
  } catch (error) {
    verdict = unexpected(state, error);
  }
  return finish(state, span, verdict, started, sendMs, false);
}

/** Implements `waitForTransaction`: polls only, never sends. */
export async function waitForTransaction(
  deps: ClientDeps,
  hash: string,
  options: WaitOptions,
): Promise<SubmissionOutcome> {
  checkMethod(options?.method);
  if (typeof hash !== 'string' || !HASH_PATTERN.test(hash.toLowerCase())) {
    throw new StellarInstrumentedError(
      ERROR_CODES.INVALID_HASH,
      'waitForTransaction needs a 64-character hex transaction hash.',
    );
  }
  const identity: TransactionIdentity = { hash: hash.toLowerCase() };
  // Persisted bounds often come back from a database as strings.
  const maxTime = Number(options.maxTime);
  const maxLedger = Number(options.maxLedger);
  if (Number.isFinite(maxTime) && maxTime > 0) identity.maxTime = maxTime;
  if (Number.isFinite(maxLedger) && maxLedger > 0) identity.maxLedger = maxLedger;
  const started = performance.now();
  const span = startSpan(deps, SPAN_WAIT, options.method, identity);
  const submittedAt = options.submittedAt === undefined ? undefined : Number(options.submittedAt);
  const state: RunState = {
    deps,
    method: options.method,
    identity,
    context: span.context,
    signal: options.signal,
    sentAfter:
      submittedAt !== undefined
        ? Math.floor(submittedAt / 1000)
        : (identity.maxTime ?? Number.NEGATIVE_INFINITY) - DEFAULT_RESUME_WINDOW_SECONDS,
    attempts: 0,
    polls: 0,
  };
  let verdict: Verdict;
  try {
    verdict = await confirm(state, { firstDelayMs: 0 });
  } catch (error) {
    verdict = unexpected(state, error);
  }
  return finish(state, span, verdict, started, 0, true);
}

/**
 * A bug or an SDK response this package cannot read must not become a thrown
 * error after money may have moved: once anything was sent it is
 * `indeterminate` (never rebuild), else `error`.
 */
function unexpected(state: RunState, error: unknown): Verdict {
  return {
    status: state.attempts > 0 ? 'indeterminate' : 'error',
    reason: REASONS.internalError,
    error: error instanceof Error ? error : new Error(String(error)),
  };
}

async function afterSend(state: RunState, sent: SendVerdict): Promise<Verdict> {
  const firstDelayMs = state.deps.pollIntervalMs;
  switch (sent.kind) {
    case 'accepted':
    case 'uncertain':
      return confirm(state, { firstDelayMs });
    case 'rejected_after_uncertain':
      return confirm(state, { firstDelayMs, rejected: sent.rejected });
    case 'rejected':
      return rejectedVerdict(sent);
    case 'refused':
      return { status: 'error', reason: REASONS.rpcRefused, error: sent.error };
    case 'try_again_later':
      return { status: 'rejected', resultCode: RESULT_TRY_AGAIN_LATER, reason: REASONS.tryAgainLater };
    case 'expired':
      return { status: 'expired', reason: REASONS.pastTimeBound };
    case 'aborted':
      return { status: sent.maybeSent ? 'indeterminate' : 'error', reason: REASONS.aborted };
  }
}

function finish(
  state: RunState,
  span: SafeSpan,
  verdict: Verdict,
  started: number,
  sendMs: number,
  resumed: boolean,
): SubmissionOutcome {
  const totalMs = performance.now() - started;
  const outcome = buildOutcome(state, verdict, { totalMs, sendMs, confirmMs: Math.max(0, totalMs - sendMs) });
  if (resumed) state.deps.metrics.resume(state.method, outcome.status);
  else state.deps.metrics.submission(state.method, outcome.status, totalMs / 1000);
  const attributes: Record<string, string | number> = {
    [ATTR_TX_STATUS]: outcome.status,
    [ATTR_TX_ATTEMPTS]: outcome.attempts,
    [ATTR_TX_POLLS]: outcome.polls,
  };
  if (outcome.resultCode !== undefined) attributes[ATTR_TX_RESULT_CODE] = outcome.resultCode;
  if (outcome.ledger !== undefined) attributes[ATTR_LEDGER] = outcome.ledger;
  if (outcome.feeCharged !== undefined) attributes[ATTR_TX_FEE_CHARGED] = outcome.feeCharged;
  if (outcome.reason !== undefined) attributes[ATTR_TX_REASON] = outcome.reason;
  span.set(attributes);
  if (outcome.diagnosticEvents) {
    span.set({
      [ATTR_TX_DIAGNOSTIC_EVENTS]: outcome.diagnosticEvents.map((e) => e.message),
      [ATTR_TX_DIAGNOSTIC_EVENTS_XDR]: outcome.diagnosticEvents.map((e) => e.xdr),
    });
  }
  if (outcome.status !== 'success')
    span.fail(outcome.error, outcome.reason ? `${outcome.status}: ${outcome.reason}` : outcome.status);
  span.end();
  return outcome;
}

function startSpan(deps: ClientDeps, name: string, method: string, identity: TransactionIdentity): SafeSpan {
  const attributes: Record<string, string | number> = { [ATTR_METHOD]: method, [ATTR_TX_HASH]: identity.hash };
  if (identity.maxTime !== undefined) attributes[ATTR_TX_MAX_TIME] = identity.maxTime;
  return deps.spans.start(name, attributes, context.active());
}

function checkMethod(method: unknown): asserts method is string {
  if (typeof method !== 'string' || !METHOD_PATTERN.test(method)) {
    throw new StellarInstrumentedError(
      ERROR_CODES.INVALID_METHOD,
      `method must be a lower-case snake_case name such as "reward_payment" (it becomes a metric label); got ${JSON.stringify(method)}.`,
    );
  }
}

function identify(tx: SignedTransaction): TransactionIdentity {
  try {
    return transactionIdentity(tx);
  } catch (cause) {
    throw new StellarInstrumentedError(
      ERROR_CODES.INVALID_TRANSACTION,
      'submitAndWait needs a Transaction or FeeBumpTransaction built by @stellar/stellar-sdk.',
      { cause },
    );
  }
}
