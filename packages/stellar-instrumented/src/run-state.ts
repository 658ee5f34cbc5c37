import type { Context } from '@opentelemetry/api';
import type { ClientDeps } from './internal-types';
import type { TransactionIdentity } from './types';

/** Mutable facts one submission (or resumed wait) collects on its way to an outcome. */
export interface RunState {
  deps: ClientDeps;
  method: string;
  identity: TransactionIdentity;
  /** Parent context for the RPC child spans. */
  context: Context;
  signal: AbortSignal | undefined;
  /** The transaction cannot have been sent before this (unix seconds); bounds `expired`. */
  sentAfter: number;
  attempts: number;
  polls: number;
  latestLedger?: number;
  latestLedgerCloseTime?: number;
  lastError?: Error;
}

/** Keeps the newest ledger the RPC reported. */
export function seeLedger(state: RunState, ledger: number | undefined, closeTime: number | string | undefined): void {
  if (ledger === undefined || (state.latestLedger !== undefined && ledger < state.latestLedger)) return;
  state.latestLedger = ledger;
  const time = Number(closeTime);
  if (Number.isFinite(time) && time > 0) state.latestLedgerCloseTime = time;
}
