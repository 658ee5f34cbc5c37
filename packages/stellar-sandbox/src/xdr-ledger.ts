import { createHash } from 'node:crypto';
import { Keypair, xdr } from '@stellar/stellar-sdk';
import { BASE_FEE_STROOPS, BASE_RESERVE_STROOPS, PROTOCOL_VERSION } from './names';

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export interface AccountSnapshot {
  publicKey: string;
  balance: bigint;
  seqNum: bigint;
  lastModified: number;
}

export function accountLedgerKey(publicKey: string): xdr.LedgerKey {
  return xdr.LedgerKey.account(
    new xdr.LedgerKeyAccount({ accountId: Keypair.fromPublicKey(publicKey).xdrAccountId() }),
  );
}

/** The AccountEntry of a sandbox account: master key only, default thresholds, no subentries. */
export function accountEntryData(account: AccountSnapshot): xdr.LedgerEntryData {
  return xdr.LedgerEntryData.account(
    new xdr.AccountEntry({
      accountId: Keypair.fromPublicKey(account.publicKey).xdrAccountId(),
      balance: account.balance,
      seqNum: account.seqNum,
      numSubEntries: 0,
      inflationDest: null,
      flags: 0,
      homeDomain: '',
      thresholds: new Uint8Array([1, 0, 0, 0]),
      signers: [],
      ext: xdr.AccountEntryExt.v0(),
    }),
  );
}

export function ledgerEntry(data: xdr.LedgerEntryData, lastModified: number): xdr.LedgerEntry {
  return new xdr.LedgerEntry({ lastModifiedLedgerSeq: lastModified, data, ext: xdr.LedgerEntryExt.v0() });
}

export function accountLedgerEntry(account: AccountSnapshot): xdr.LedgerEntry {
  return ledgerEntry(accountEntryData(account), account.lastModified);
}

export interface ClosedLedger {
  sequence: number;
  closeTime: number;
  hash: Uint8Array;
  header: xdr.LedgerHeader;
  closeMeta: xdr.LedgerCloseMeta;
}

/**
 * Builds the header and close meta of a ledger. Hashes are real SHA-256 over real XDR, but the
 * bucket list and result-set hashes are zero: the sandbox has no bucket list.
 */
export function buildLedger(
  sequence: number,
  closeTime: number,
  previousHash: Uint8Array,
  envelopes: xdr.TransactionEnvelope[],
): ClosedLedger {
  const zero = new Uint8Array(32);
  const header = new xdr.LedgerHeader({
    ledgerVersion: PROTOCOL_VERSION,
    previousLedgerHash: previousHash,
    scpValue: new xdr.StellarValue({
      txSetHash: sha256(`${sequence}:${envelopes.length}`),
      closeTime: BigInt(closeTime),
      upgrades: [],
      ext: xdr.StellarValueExt.stellarValueBasic(),
    }),
    txSetResultHash: zero,
    bucketListHash: zero,
    ledgerSeq: sequence,
    totalCoins: 1_000_000_000_000_000_000n,
    feePool: 0n,
    inflationSeq: 0,
    idPool: 0n,
    baseFee: Number(BASE_FEE_STROOPS),
    baseReserve: Number(BASE_RESERVE_STROOPS),
    maxTxSetSize: 1000,
    skipList: [zero, zero, zero, zero],
    ext: xdr.LedgerHeaderExt.v0(),
  });
  const hash = sha256(header.toXdr());
  const closeMeta = xdr.LedgerCloseMeta.v0(
    new xdr.LedgerCloseMetaV0({
      ledgerHeader: new xdr.LedgerHeaderHistoryEntry({ hash, header, ext: xdr.LedgerHeaderHistoryEntryExt.v0() }),
      txSet: new xdr.TransactionSet({ previousLedgerHash: previousHash, txs: envelopes }),
      txProcessing: [],
      upgradesProcessing: [],
      scpInfo: [],
    }),
  );
  return { sequence, closeTime, hash, header, closeMeta };
}

/** TransactionMeta v3, as the SDK parses it (returnValue is read from sorobanMeta). */
export function transactionMeta(
  txChangesBefore: xdr.LedgerEntryChange[],
  operations: xdr.LedgerEntryChange[][],
  returnValue: xdr.ScVal | undefined,
): xdr.TransactionMeta {
  return xdr.TransactionMeta.v3(
    new xdr.TransactionMetaV3({
      ext: xdr.ExtensionPoint.v0(),
      txChangesBefore,
      operations: operations.map((changes) => new xdr.OperationMeta({ changes })),
      txChangesAfter: [],
      sorobanMeta: returnValue
        ? new xdr.SorobanTransactionMeta({
            ext: xdr.SorobanTransactionMetaExt.v0(),
            events: [],
            returnValue,
            diagnosticEvents: [],
          })
        : null,
    }),
  );
}
