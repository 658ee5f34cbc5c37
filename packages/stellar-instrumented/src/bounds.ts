import { createHash } from 'node:crypto';
import type { SignedTransaction, TransactionIdentity } from './types';

/**
 * Hex of `tx.hash()`, which is SHA-256 of `tx.signatureBase()`. The SDK hashes
 * with a pure-JS SHA-256; Node's native one gives the same digest for about
 * half the CPU, and this runs once per submission.
 */
export function transactionHash(tx: Pick<SignedTransaction, 'signatureBase'>): string {
  return createHash('sha256').update(tx.signatureBase()).digest('hex');
}

/** Hash (hex) and validity bounds of a signed transaction, read before anything is sent. */
export function transactionIdentity(tx: SignedTransaction): TransactionIdentity {
  const hash = transactionHash(tx);
  // A fee bump is valid while its inner transaction is.
  const inner = 'innerTransaction' in tx ? tx.innerTransaction : tx;
  const maxTime = Number(inner.timeBounds?.maxTime ?? 0);
  const maxLedger = Number(inner.ledgerBounds?.maxLedger ?? 0);
  return {
    hash,
    ...(maxTime > 0 ? { maxTime } : {}),
    ...(maxLedger > 0 ? { maxLedger } : {}),
  };
}

/**
 * What a NOT_FOUND `getTransaction` answer tells about the ledger. The SDK
 * types the close times as numbers but passes on the RPC's JSON strings.
 */
export interface LedgerView {
  latestLedger: number | string;
  latestLedgerCloseTime: number | string;
  oldestLedgerCloseTime: number | string | null;
}

/**
 * True when a transaction the RPC does not know can never be applied: the
 * latest closed ledger is already past its upper bound (core rejects with
 * txTOO_LATE when closeTime > maxTime, and needs ledger < maxLedger), and the
 * RPC's retained history reaches back to when it was sent (else it may have
 * been applied in a ledger the RPC no longer holds). Ledger time, not the
 * local clock, decides.
 */
export function isPastBounds(
  identity: Pick<TransactionIdentity, 'maxTime' | 'maxLedger'>,
  view: LedgerView,
  sentAfterUnixSeconds: number,
): boolean {
  // NaN (a field the RPC left out) fails every comparison, so a partial answer never proves expiry.
  if (!(num(view.oldestLedgerCloseTime) <= sentAfterUnixSeconds)) return false;
  const pastTime = identity.maxTime !== undefined && num(view.latestLedgerCloseTime) > identity.maxTime;
  const pastLedger = identity.maxLedger !== undefined && num(view.latestLedger) + 1 >= identity.maxLedger;
  return pastTime || pastLedger;
}

/** Number() would read null and '' as 0, which would prove expiry from nothing. */
function num(value: number | string | null | undefined): number {
  if (value === null || value === undefined || value === '') return Number.NaN;
  return Number(value);
}
