import { xdr } from '@stellar/stellar-sdk';
import { decodeResult } from '../src';
import { specName } from '../src/result-codes';

describe('specName', () => {
  it.each([
    ['txSuccess', 'txSUCCESS'],
    ['txBadSeq', 'txBAD_SEQ'],
    ['txBadMinSeqAgeOrGap', 'txBAD_MIN_SEQ_AGE_OR_GAP'],
    ['opInner', 'opINNER'],
    ['paymentUnderfunded', 'PAYMENT_UNDERFUNDED'],
    ['invokeHostFunctionTrapped', 'INVOKE_HOST_FUNCTION_TRAPPED'],
  ])('spells %s as %s', (variant, spec) => {
    expect(specName(variant)).toBe(spec);
  });
});

describe('decodeResult', () => {
  it('reads the code and fee of an ERROR result the SDK parsed from XDR', () => {
    // Built from the wire shape, then round-tripped through bytes the way an RPC answer arrives.
    const wire = { feeCharged: 100n, result: { code: -5 }, ext: { v: 0 } };
    const bytes = xdr.TransactionResult.fromXdrObject(wire as never).toXdr('base64');
    const decoded = decodeResult(xdr.TransactionResult.fromXdr(bytes, 'base64'));
    expect(decoded).toEqual({ resultCode: 'txBAD_SEQ', feeCharged: '100' });
  });
});
