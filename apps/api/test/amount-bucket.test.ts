import { amountBucket } from '../src/amount-bucket';

describe('amountBucket', () => {
  it.each([
    [0, '0-1'],
    [1, '0-1'],
    [1.5, '1-10'],
    ['10.0000000', '1-10'],
    [250, '100-1000'],
    [10000, '1000-10000'],
    [10000.0000001, '10000+'],
    [10n, '1-10'],
  ])('puts %p in %s', (amount, bucket) => {
    expect(amountBucket(amount)).toBe(bucket);
  });

  it.each([[-1], ['abc'], [Number.NaN], [Number.POSITIVE_INFINITY]])('labels %p invalid', (amount) => {
    expect(amountBucket(amount)).toBe('invalid');
  });
});
