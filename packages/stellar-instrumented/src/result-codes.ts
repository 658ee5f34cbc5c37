import type { xdr } from '@stellar/stellar-sdk';

/** What a TransactionResult says, in the XDR spec's names (`txBAD_SEQ`, `PAYMENT_UNDERFUNDED`), as core and RPC docs spell them. */
export interface DecodedResult {
  resultCode: string;
  operationResultCodes?: string[];
  /** Stroops, as a decimal string (int64 does not fit a number). */
  feeCharged: string;
}

type Variant = { readonly type: string; readonly value?: unknown };

/**
 * Decodes a TransactionResult (SDK 17's generated XDR classes). For a fee bump
 * the inner transaction's code is the useful one, so it is reported instead of
 * `txFeeBumpInner*`.
 */
export function decodeResult(result: xdr.TransactionResult): DecodedResult {
  const feeCharged = result.feeCharged.toString();
  let body: Variant & { results?: readonly unknown[] } = result.result;
  if (result.result.type === 'txFeeBumpInnerFailed' || result.result.type === 'txFeeBumpInnerSuccess') {
    body = result.result.innerResultPair.result.result;
  }
  const resultCode = specName(body.type);
  if ((body.type !== 'txFailed' && body.type !== 'txSuccess') || !body.results) return { resultCode, feeCharged };
  return {
    resultCode,
    operationResultCodes: body.results.map((op) => specName(operationCode(op as Variant))),
    feeCharged,
  };
}

/** `opInner` wraps a per-operation union whose own variant is the useful code (e.g. `paymentUnderfunded`). */
function operationCode(op: Variant): string {
  if (op.type !== 'opInner') return op.type;
  const tr = op.value as Variant | undefined;
  const inner = tr?.value as Variant | undefined;
  return inner?.type ?? tr?.type ?? op.type;
}

/**
 * SDK 17 names variants in camelCase (`txBadSeq`); the XDR spec, core and the
 * RPC docs say `txBAD_SEQ`, `opBAD_AUTH`, `PAYMENT_UNDERFUNDED`.
 */
export function specName(variant: string): string {
  let name = SPEC_NAMES.get(variant);
  if (name === undefined) {
    const match = /^(tx|op)([A-Z].*)$/.exec(variant);
    const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
    name = match ? match[1] + snake(match[2]!) : snake(variant);
    // Bounded by the XDR's variant names, so the cache cannot grow without limit.
    SPEC_NAMES.set(variant, name);
  }
  return name;
}

const SPEC_NAMES = new Map<string, string>();
