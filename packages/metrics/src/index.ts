export type { AmountBucket } from './amount-bucket';
export { AMOUNT_BUCKET_INVALID, AMOUNT_BUCKET_OVERFLOW, AMOUNT_BUCKETS, amountBucket } from './amount-bucket';
