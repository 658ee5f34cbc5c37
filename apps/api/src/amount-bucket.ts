/**
 * Upper bounds (inclusive) of the reward amount ranges used as the
 * `amount_bucket` label. A fixed set keeps the label bounded whatever the
 * amounts are; amounts are in whole token units.
 */
export const AMOUNT_BUCKETS = [
  { max: 1, label: '0-1' },
  { max: 10, label: '1-10' },
  { max: 100, label: '10-100' },
  { max: 1000, label: '100-1000' },
  { max: 10000, label: '1000-10000' },
] as const;

export const AMOUNT_BUCKET_OVERFLOW = '10000+';
export const AMOUNT_BUCKET_INVALID = 'invalid';

export type AmountBucket =
  | (typeof AMOUNT_BUCKETS)[number]['label']
  | typeof AMOUNT_BUCKET_OVERFLOW
  | typeof AMOUNT_BUCKET_INVALID;

/**
 * Maps an amount (number, or a decimal string as Stellar amounts are) to its
 * `amount_bucket` label. Negative or unparsable amounts map to `invalid`.
 */
export function amountBucket(amount: number | string | bigint): AmountBucket {
  const value = typeof amount === 'number' ? amount : Number(amount);
  if (!Number.isFinite(value) || value < 0) return AMOUNT_BUCKET_INVALID;
  for (const bucket of AMOUNT_BUCKETS) {
    if (value <= bucket.max) return bucket.label;
  }
  return AMOUNT_BUCKET_OVERFLOW;
}
