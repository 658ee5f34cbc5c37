import { extractBaseAddress, type OperationRecord, xdr } from '@stellar/stellar-sdk';
import { xlmToStroops } from './amount';
import type { CredentialContract } from './credential-contract';
import { BASE_RESERVE_STROOPS } from './names';
import { type AccountSnapshot, accountLedgerEntry } from './xdr-ledger';
import type { OpCode } from './xdr-results';

export type AccountMap = Map<string, AccountSnapshot>;

/** Minimum balance of a sandbox account: two base reserves (accounts have no subentries here). */
export const MIN_BALANCE_STROOPS = 2n * BASE_RESERVE_STROOPS;

export interface OperationContext {
  ledger: number;
  hash: string;
  contract: CredentialContract;
  sorobanData: xdr.SorobanTransactionData | undefined;
}

export interface OperationOutcome {
  code: OpCode;
  changes: xdr.LedgerEntryChange[];
  returnValue?: xdr.ScVal;
  commit?: () => void;
}

function updated(before: AccountSnapshot, after: AccountSnapshot): xdr.LedgerEntryChange[] {
  return [
    xdr.LedgerEntryChange.ledgerEntryState(accountLedgerEntry(before)),
    xdr.LedgerEntryChange.ledgerEntryUpdated(accountLedgerEntry(after)),
  ];
}

function fail(code: OpCode): OperationOutcome {
  return { code, changes: [] };
}

function payment(
  op: Extract<OperationRecord, { type: 'payment' }>,
  sourceKey: string,
  accounts: AccountMap,
  ledger: number,
): OperationOutcome {
  if (!op.asset.isNative()) {
    // No trustlines exist in the sandbox, so an issued asset can never move.
    return fail(op.asset.getIssuer() === sourceKey ? 'opNO_TRUST' : 'opSRC_NO_TRUST');
  }
  const source = accounts.get(sourceKey);
  if (!source) return fail('opNO_ACCOUNT');
  const dest = accounts.get(extractBaseAddress(op.destination));
  if (!dest) return fail('opNO_DESTINATION');
  const amount = xlmToStroops(op.amount) ?? 0n;
  if (amount <= 0n) return fail('opMALFORMED');
  if (dest === source) return { code: 'opSUCCESS', changes: [] };
  if (source.balance - amount < MIN_BALANCE_STROOPS) return fail('opUNDERFUNDED');
  const sourceBefore = { ...source };
  const destBefore = { ...dest };
  source.balance -= amount;
  source.lastModified = ledger;
  dest.balance += amount;
  dest.lastModified = ledger;
  return { code: 'opSUCCESS', changes: [...updated(sourceBefore, source), ...updated(destBefore, dest)] };
}

function createAccount(
  op: Extract<OperationRecord, { type: 'createAccount' }>,
  sourceKey: string,
  accounts: AccountMap,
  ledger: number,
): OperationOutcome {
  const source = accounts.get(sourceKey);
  if (!source) return fail('opNO_ACCOUNT');
  const destination = extractBaseAddress(op.destination);
  const starting = xlmToStroops(op.startingBalance) ?? -1n;
  if (starting <= 0n || destination === sourceKey) return fail('opMALFORMED');
  if (accounts.has(destination)) return fail('opALREADY_EXISTS');
  if (starting < MIN_BALANCE_STROOPS) return fail('opLOW_RESERVE');
  if (source.balance - starting < MIN_BALANCE_STROOPS) return fail('opUNDERFUNDED');
  const sourceBefore = { ...source };
  source.balance -= starting;
  source.lastModified = ledger;
  // A new account's sequence number starts at ledger << 32, as on the real network.
  const created: AccountSnapshot = {
    publicKey: destination,
    balance: starting,
    seqNum: BigInt(ledger) << 32n,
    lastModified: ledger,
  };
  accounts.set(destination, created);
  return {
    code: 'opSUCCESS',
    changes: [...updated(sourceBefore, source), xdr.LedgerEntryChange.ledgerEntryCreated(accountLedgerEntry(created))],
  };
}

/** Applies one operation to `accounts` (a scratch copy the caller commits only if all succeed). */
export function applyOperation(
  op: OperationRecord,
  sourceKey: string,
  accounts: AccountMap,
  ctx: OperationContext,
): OperationOutcome {
  switch (op.type) {
    case 'payment':
      return payment(op, sourceKey, accounts, ctx.ledger);
    case 'createAccount':
      return createAccount(op, sourceKey, accounts, ctx.ledger);
    case 'invokeHostFunction': {
      if (!ctx.sorobanData) return fail('opMALFORMED');
      const outcome = ctx.contract.apply(op, ctx.sorobanData, ctx.hash, ctx.ledger);
      return outcome;
    }
    default:
      return fail('opNOT_SUPPORTED');
  }
}

/** The operation types the sandbox executes. */
export const SUPPORTED_OPERATIONS: readonly string[] = ['payment', 'createAccount', 'invokeHostFunction'];
