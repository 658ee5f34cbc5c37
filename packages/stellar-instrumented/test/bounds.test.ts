import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { transactionIdentity } from '../src';
import { backoffDelay } from '../src/backoff';
import { isPastBounds } from '../src/bounds';

const view = (
  latestLedger: number,
  latestLedgerCloseTime: number | string,
  oldestLedgerCloseTime: number | string | null = 0,
) => ({
  latestLedger,
  latestLedgerCloseTime,
  oldestLedgerCloseTime,
});

describe('isPastBounds', () => {
  it('is not past while the latest ledger closed at or before maxTime (core accepts closeTime == maxTime)', () => {
    expect(isPastBounds({ maxTime: 1000 }, view(10, 1000), 900)).toBe(false);
    expect(isPastBounds({ maxTime: 1000 }, view(10, '1001'), 900)).toBe(true);
  });

  it('uses the exclusive ledger bound', () => {
    expect(isPastBounds({ maxLedger: 12 }, view(10, 0), 0)).toBe(false);
    expect(isPastBounds({ maxLedger: 12 }, view(11, 0), 0)).toBe(true);
  });

  it('never concludes when the RPC history does not reach back to the send, or fields are missing', () => {
    expect(isPastBounds({ maxTime: 1000 }, view(10, 2000, 950), 900)).toBe(false);
    expect(isPastBounds({ maxTime: 1000 }, view(10, 2000, null), 900)).toBe(false);
    expect(isPastBounds({}, view(10, 2000), 900)).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles, is capped, and keeps at least half of the step', () => {
    for (let i = 0; i < 50; i++) {
      const first = backoffDelay(1, 100, 1000);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      const late = backoffDelay(10, 100, 1000);
      expect(late).toBeGreaterThanOrEqual(500);
      expect(late).toBeLessThanOrEqual(1000);
    }
  });
});

describe('transactionIdentity', () => {
  const kp = Keypair.random();
  const build = () =>
    new TransactionBuilder(new Account(kp.publicKey(), '41'), { fee: '100', networkPassphrase: Networks.TESTNET })
      .addOperation(Operation.payment({ destination: kp.publicKey(), asset: Asset.native(), amount: '1' }))
      .setTimeout(30)
      .build();

  it('gives the SDK hash in hex and the upper time bound', () => {
    const tx = build();
    expect(transactionIdentity(tx)).toEqual({
      hash: Buffer.from(tx.hash()).toString('hex'),
      maxTime: Number(tx.timeBounds!.maxTime),
    });
  });

  it('uses the outer hash of a fee bump and the inner time bound', () => {
    const inner = build();
    inner.sign(kp);
    const feeSource = Keypair.random();
    const bump = TransactionBuilder.buildFeeBumpTransaction(feeSource, '200', inner, Networks.TESTNET);
    const identity = transactionIdentity(bump);
    expect(identity.hash).toBe(Buffer.from(bump.hash()).toString('hex'));
    expect(identity.hash).not.toBe(Buffer.from(inner.hash()).toString('hex'));
    expect(identity.maxTime).toBe(Number(inner.timeBounds!.maxTime));
  });
});
