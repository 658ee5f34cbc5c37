import type { Transaction } from '@stellar/stellar-sdk';
import type { OpCode } from './xdr-results';

/** A transaction accepted into the queue, waiting for the next ledger. */
export interface PendingTx {
  hash: string;
  tx: Transaction;
  source: string;
  envelopeXdr: string;
  /** An injected `tx_failed`: operation `index` fails with `code`. */
  failWith: { code: OpCode; index: number } | undefined;
}

/** An included transaction, as getTransaction reports it. */
export interface TxRecord {
  hash: string;
  successful: boolean;
  ledger: number;
  createdAt: number;
  applicationOrder: number;
  envelopeXdr: string;
  resultXdr: string;
  resultMetaXdr: string;
}
