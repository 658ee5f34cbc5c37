import { extractBaseAddress, xdr } from '@stellar/stellar-sdk';
import type { CredentialContract } from './credential-contract';
import type { PendingTx, TxRecord } from './internal-types';
import { type AccountMap, applyOperation } from './operations';
import { chargedFee, sorobanDataOf } from './tx-info';
import { type AccountSnapshot, accountLedgerEntry, sha256, transactionMeta } from './xdr-ledger';
import { operationResult, opsTxResult } from './xdr-results';

/**
 * Applies one queued transaction at ledger close: charges the fee and bumps the sequence number
 * whatever happens, then applies its operations all-or-nothing on a scratch copy of `accounts`.
 */
export function applyTransaction(
  p: PendingTx,
  source: AccountSnapshot,
  accounts: AccountMap,
  contract: CredentialContract,
  at: { ledger: number; closeTime: number; order: number },
): TxRecord {
  const { ledger, closeTime, order } = at;
  const { tx } = p;
  // Never charge below zero; validation already required the balance to cover the fee.
  let fee = chargedFee(tx);
  if (fee > source.balance) fee = source.balance;
  source.balance -= fee;
  const afterFee = { ...source };
  source.seqNum = BigInt(tx.sequence);
  source.lastModified = ledger;
  const txChangesBefore = [
    xdr.LedgerEntryChange.ledgerEntryState(accountLedgerEntry(afterFee)),
    xdr.LedgerEntryChange.ledgerEntryUpdated(accountLedgerEntry(source)),
  ];
  const scratch: AccountMap = new Map([...accounts].map(([k, v]) => [k, { ...v }]));
  const sorobanData = sorobanDataOf(tx);
  const results: xdr.OperationResult[] = [];
  const opChanges: xdr.LedgerEntryChange[][] = [];
  const commits: Array<() => void> = [];
  let returnValue: xdr.ScVal | undefined;
  let successful = true;
  tx.operations.forEach((op, index) => {
    const outcome = applyOperation(op, extractBaseAddress(op.source ?? tx.source), scratch, {
      ledger,
      hash: p.hash,
      contract,
      sorobanData,
    });
    const code = p.failWith?.index === index ? p.failWith.code : outcome.code;
    if (code !== 'opSUCCESS') successful = false;
    results.push(operationResult(op.type, code, outcome.returnValue ? successHash(outcome.returnValue) : undefined));
    opChanges.push(outcome.changes);
    if (outcome.commit) commits.push(outcome.commit);
    returnValue ??= outcome.returnValue;
  });
  if (successful) {
    for (const [key, value] of scratch) accounts.set(key, value);
    for (const commit of commits) commit();
  }
  const record: TxRecord = {
    hash: p.hash,
    successful,
    ledger,
    createdAt: closeTime,
    applicationOrder: order,
    envelopeXdr: p.envelopeXdr,
    resultXdr: opsTxResult(successful, results, fee).toXdr('base64'),
    resultMetaXdr: transactionMeta(
      txChangesBefore,
      successful ? opChanges : [],
      successful ? returnValue : undefined,
    ).toXdr('base64'),
  };
  return record;
}

/** The success hash stellar-core puts in InvokeHostFunctionResult: SHA-256 of the return value and events. */
function successHash(returnValue: xdr.ScVal): Uint8Array {
  return sha256(new xdr.InvokeHostFunctionSuccessPreImage({ returnValue, events: [] }).toXdr());
}
