import { extractBaseAddress, Keypair, type Transaction, xdr } from '@stellar/stellar-sdk';
import { xlmToStroops } from './amount';
import { diagnosticErrorEvent, RESOURCE_FEE_TOO_LOW_MESSAGE } from './diagnostics';
import { BASE_FEE_STROOPS, MINT_RESOURCE_FEE_STROOPS } from './names';
import { type AccountMap, MIN_BALANCE_STROOPS, SUPPORTED_OPERATIONS } from './operations';
import { chargedFee, isSoroban, sorobanDataOf } from './tx-info';
import { type OpCode, operationResult, opsTxResult, type VoidTxCode, voidTxResult } from './xdr-results';

/** Why `sendTransaction` answers ERROR: the result, and the diagnostic events core attaches to some refusals. */
export interface Rejection {
  result: xdr.TransactionResult;
  diagnosticEvents?: xdr.DiagnosticEvent[];
}

export interface ValidationContext {
  /** Close time the next ledger will have (seconds). */
  closeTime: number;
  nextLedger: number;
}

/** Which of `signers` have a valid signature on the transaction hash, and how many signatures matched none. */
function checkSignatures(tx: Transaction, signers: string[]): { signed: Set<string>; unused: number } {
  const hash = tx.hash();
  const signed = new Set<string>();
  let unused = 0;
  for (const decorated of tx.signatures) {
    const hint = Buffer.from(decorated.hint.value);
    const match = signers.find((signer) => {
      const kp = Keypair.fromPublicKey(signer);
      return Buffer.from(kp.signatureHint()).equals(hint) && kp.verify(hash, decorated.signature.value);
    });
    if (match) signed.add(match);
    else unused += 1;
  }
  return { signed, unused };
}

function timeCode(tx: Transaction, ctx: ValidationContext): VoidTxCode | undefined {
  const bounds = tx.timeBounds;
  if (bounds) {
    if (Number(bounds.minTime) > ctx.closeTime) return 'txTOO_EARLY';
    if (Number(bounds.maxTime) !== 0 && Number(bounds.maxTime) < ctx.closeTime) return 'txTOO_LATE';
  }
  const ledgers = tx.ledgerBounds;
  if (ledgers) {
    if (ctx.nextLedger < ledgers.minLedger) return 'txTOO_EARLY';
    if (ledgers.maxLedger !== 0 && ctx.nextLedger >= ledgers.maxLedger) return 'txTOO_LATE';
  }
  return undefined;
}

function structuralCode(tx: Transaction): VoidTxCode | undefined {
  if (tx.operations.length === 0) return 'txMISSING_OPERATION';
  const soroban = isSoroban(tx);
  const data = sorobanDataOf(tx);
  if (soroban && (tx.operations.length !== 1 || !data)) return 'txMALFORMED';
  if (!soroban && data) return 'txMALFORMED';
  // stellar-core: a resource fee above the whole fee is malformed, not merely insufficient.
  if (data && (data.resourceFee < 0n || data.resourceFee > BigInt(tx.fee))) return 'txMALFORMED';
  // Preconditions the sandbox does not model are refused rather than silently ignored.
  if (
    tx.minAccountSequence !== undefined ||
    (tx.minAccountSequenceAge !== undefined && tx.minAccountSequenceAge !== 0n) ||
    (tx.minAccountSequenceLedgerGap !== undefined && tx.minAccountSequenceLedgerGap !== 0) ||
    (tx.extraSigners?.length ?? 0) > 0
  ) {
    return 'txNOT_SUPPORTED';
  }
  return undefined;
}

/**
 * A Soroban transaction declaring less resource fee than its resources cost: stellar-core answers
 * `txSOROBAN_INVALID` and says why in a diagnostic event (declared fee, then the fee needed).
 */
function sorobanResourceRejection(tx: Transaction): Rejection | undefined {
  const data = sorobanDataOf(tx);
  if (!data || data.resourceFee >= MINT_RESOURCE_FEE_STROOPS) return undefined;
  return {
    result: voidTxResult('txSOROBAN_INVALID', chargedFee(tx)),
    diagnosticEvents: [
      diagnosticErrorEvent(RESOURCE_FEE_TOO_LOW_MESSAGE, [
        xdr.ScVal.scvI64(data.resourceFee),
        xdr.ScVal.scvI64(MINT_RESOURCE_FEE_STROOPS),
      ]),
    ],
  };
}

function feeCode(tx: Transaction): VoidTxCode | undefined {
  const bid = BigInt(tx.fee);
  const data = sorobanDataOf(tx);
  if (data) return bid < data.resourceFee + BASE_FEE_STROOPS ? 'txINSUFFICIENT_FEE' : undefined;
  return bid < BASE_FEE_STROOPS * BigInt(tx.operations.length) ? 'txINSUFFICIENT_FEE' : undefined;
}

function operationCode(
  op: Transaction['operations'][number],
  source: string,
  accounts: AccountMap,
  signed: Set<string>,
): OpCode {
  if (!accounts.has(source)) return 'opNO_ACCOUNT';
  if (!signed.has(source)) return 'opBAD_AUTH';
  if (!SUPPORTED_OPERATIONS.includes(op.type)) return 'opNOT_SUPPORTED';
  if (op.type === 'payment' && (xlmToStroops(op.amount) ?? 0n) <= 0n) return 'opMALFORMED';
  if (op.type === 'createAccount') {
    const starting = xlmToStroops(op.startingBalance) ?? 0n;
    if (starting <= 0n || extractBaseAddress(op.destination) === source) return 'opMALFORMED';
  }
  return 'opSUCCESS';
}

/**
 * The checks stellar-core runs before queueing a transaction, in its order. Returns the
 * rejection of the ERROR answer, or undefined when the transaction may be queued.
 */
export function validateSubmission(
  tx: Transaction,
  accounts: AccountMap,
  ctx: ValidationContext,
): Rejection | undefined {
  const result = check(tx, accounts, ctx);
  if (result === undefined) return undefined;
  return result instanceof xdr.TransactionResult ? { result } : result;
}

function check(
  tx: Transaction,
  accounts: AccountMap,
  ctx: ValidationContext,
): xdr.TransactionResult | Rejection | undefined {
  const fee = chargedFee(tx);
  const early = structuralCode(tx) ?? timeCode(tx, ctx) ?? feeCode(tx);
  if (early) return voidTxResult(early, fee);
  const soroban = sorobanResourceRejection(tx);
  if (soroban) return soroban;
  const sourceKey = extractBaseAddress(tx.source);
  const source = accounts.get(sourceKey);
  if (!source) return voidTxResult('txNO_ACCOUNT', fee);
  if (BigInt(tx.sequence) !== source.seqNum + 1n) return voidTxResult('txBAD_SEQ', fee);
  const opSources = tx.operations.map((op) => (op.source ? extractBaseAddress(op.source) : sourceKey));
  const signers = [...new Set([sourceKey, ...opSources.filter((s) => accounts.has(s))])];
  const { signed, unused } = checkSignatures(tx, signers);
  if (!signed.has(sourceKey)) return voidTxResult('txBAD_AUTH', fee);
  if (source.balance - MIN_BALANCE_STROOPS < fee) return voidTxResult('txINSUFFICIENT_BALANCE', fee);
  const codes = tx.operations.map((op, i) => operationCode(op, opSources[i]!, accounts, signed));
  if (codes.some((c) => c !== 'opSUCCESS')) {
    return opsTxResult(
      false,
      tx.operations.map((op, i) => operationResult(op.type, codes[i]!)),
      fee,
    );
  }
  if (unused > 0) return voidTxResult('txBAD_AUTH_EXTRA', fee);
  return undefined;
}
