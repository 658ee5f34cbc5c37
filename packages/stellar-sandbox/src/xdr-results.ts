import { xdr } from '@stellar/stellar-sdk';

/** Transaction-level result codes without operation results, as named by stellar-core. */
const VOID_TX_CODES = {
  txTOO_EARLY: () => xdr.TransactionResultResult.txTooEarly(),
  txTOO_LATE: () => xdr.TransactionResultResult.txTooLate(),
  txMISSING_OPERATION: () => xdr.TransactionResultResult.txMissingOperation(),
  txBAD_SEQ: () => xdr.TransactionResultResult.txBadSeq(),
  txBAD_AUTH: () => xdr.TransactionResultResult.txBadAuth(),
  txINSUFFICIENT_BALANCE: () => xdr.TransactionResultResult.txInsufficientBalance(),
  txNO_ACCOUNT: () => xdr.TransactionResultResult.txNoAccount(),
  txINSUFFICIENT_FEE: () => xdr.TransactionResultResult.txInsufficientFee(),
  txBAD_AUTH_EXTRA: () => xdr.TransactionResultResult.txBadAuthExtra(),
  txINTERNAL_ERROR: () => xdr.TransactionResultResult.txInternalError(),
  txNOT_SUPPORTED: () => xdr.TransactionResultResult.txNotSupported(),
  txBAD_SPONSORSHIP: () => xdr.TransactionResultResult.txBadSponsorship(),
  txBAD_MIN_SEQ_AGE_OR_GAP: () => xdr.TransactionResultResult.txBadMinSeqAgeOrGap(),
  txMALFORMED: () => xdr.TransactionResultResult.txMalformed(),
  txSOROBAN_INVALID: () => xdr.TransactionResultResult.txSorobanInvalid(),
} as const;

export type VoidTxCode = keyof typeof VOID_TX_CODES;
/** Codes an injected `error` fault may use: the void ones plus `txFAILED` (every operation malformed). */
export const ERROR_FAULT_CODES: readonly string[] = [...Object.keys(VOID_TX_CODES), 'txFAILED'];

/** Operation outcomes the sandbox produces, named generically and mapped per operation type. */
export const OP_CODES = [
  'opSUCCESS',
  'opUNDERFUNDED',
  'opNO_DESTINATION',
  'opLOW_RESERVE',
  'opALREADY_EXISTS',
  'opMALFORMED',
  'opNO_TRUST',
  'opSRC_NO_TRUST',
  'opTRAPPED',
  'opRESOURCE_LIMIT_EXCEEDED',
  'opBAD_AUTH',
  'opNO_ACCOUNT',
  'opNOT_SUPPORTED',
] as const;
export type OpCode = (typeof OP_CODES)[number];
/** Codes an injected `tx_failed` fault may use. */
export const TX_FAILED_FAULT_CODES: readonly string[] = OP_CODES.filter((c) => c !== 'opSUCCESS');

export function isVoidTxCode(code: string): code is VoidTxCode {
  return Object.hasOwn(VOID_TX_CODES, code);
}

function paymentResult(code: OpCode): xdr.PaymentResult | undefined {
  switch (code) {
    case 'opSUCCESS':
      return xdr.PaymentResult.paymentSuccess();
    case 'opUNDERFUNDED':
    case 'opLOW_RESERVE':
      return xdr.PaymentResult.paymentUnderfunded();
    case 'opNO_DESTINATION':
      return xdr.PaymentResult.paymentNoDestination();
    case 'opMALFORMED':
      return xdr.PaymentResult.paymentMalformed();
    case 'opNO_TRUST':
      return xdr.PaymentResult.paymentNoTrust();
    case 'opSRC_NO_TRUST':
      return xdr.PaymentResult.paymentSrcNoTrust();
    default:
      return undefined;
  }
}

function createAccountResult(code: OpCode): xdr.CreateAccountResult | undefined {
  switch (code) {
    case 'opSUCCESS':
      return xdr.CreateAccountResult.createAccountSuccess();
    case 'opUNDERFUNDED':
      return xdr.CreateAccountResult.createAccountUnderfunded();
    case 'opLOW_RESERVE':
      return xdr.CreateAccountResult.createAccountLowReserve();
    case 'opALREADY_EXISTS':
      return xdr.CreateAccountResult.createAccountAlreadyExist();
    case 'opMALFORMED':
    case 'opNO_DESTINATION':
      return xdr.CreateAccountResult.createAccountMalformed();
    default:
      return undefined;
  }
}

function invokeResult(code: OpCode, successHash: Uint8Array | undefined): xdr.InvokeHostFunctionResult | undefined {
  switch (code) {
    case 'opSUCCESS':
      return xdr.InvokeHostFunctionResult.invokeHostFunctionSuccess(successHash ?? new Uint8Array(32));
    case 'opMALFORMED':
      return xdr.InvokeHostFunctionResult.invokeHostFunctionMalformed();
    case 'opRESOURCE_LIMIT_EXCEEDED':
      return xdr.InvokeHostFunctionResult.invokeHostFunctionResourceLimitExceeded();
    case 'opUNDERFUNDED':
    case 'opTRAPPED':
    case 'opALREADY_EXISTS':
      return xdr.InvokeHostFunctionResult.invokeHostFunctionTrapped();
    default:
      return undefined;
  }
}

/**
 * Builds the OperationResult stellar-core would report for `code` on an operation of `opType`.
 * Codes that have no op-specific form fall back to the generic outer codes.
 */
export function operationResult(opType: string, code: OpCode, successHash?: Uint8Array): xdr.OperationResult {
  if (code === 'opBAD_AUTH') return xdr.OperationResult.opBadAuth();
  if (code === 'opNO_ACCOUNT') return xdr.OperationResult.opNoAccount();
  let tr: xdr.OperationResultTr | undefined;
  if (opType === 'payment') {
    const r = paymentResult(code);
    if (r) tr = xdr.OperationResultTr.payment(r);
  } else if (opType === 'createAccount') {
    const r = createAccountResult(code);
    if (r) tr = xdr.OperationResultTr.createAccount(r);
  } else if (opType === 'invokeHostFunction') {
    const r = invokeResult(code, successHash);
    if (r) tr = xdr.OperationResultTr.invokeHostFunction(r);
  }
  return tr ? xdr.OperationResult.opInner(tr) : xdr.OperationResult.opNotSupported();
}

/** A TransactionResult with a void code (txBAD_SEQ, txBAD_AUTH, …). */
export function voidTxResult(code: VoidTxCode, feeCharged: bigint): xdr.TransactionResult {
  return new xdr.TransactionResult({
    feeCharged,
    result: VOID_TX_CODES[code](),
    ext: xdr.TransactionResultExt.v0(),
  });
}

/** A txSUCCESS / txFAILED TransactionResult carrying one result per operation. */
export function opsTxResult(
  successful: boolean,
  results: xdr.OperationResult[],
  feeCharged: bigint,
): xdr.TransactionResult {
  return new xdr.TransactionResult({
    feeCharged,
    result: successful ? xdr.TransactionResultResult.txSuccess(results) : xdr.TransactionResultResult.txFailed(results),
    ext: xdr.TransactionResultExt.v0(),
  });
}
