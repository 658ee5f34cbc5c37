import { STROOPS_PER_XLM } from './names';

/** Parses a decimal XLM string (at most 7 decimals) into stroops; `undefined` when malformed. */
export function xlmToStroops(value: string): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d{1,7}))?$/.exec(value.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const stroops = BigInt(whole!) * STROOPS_PER_XLM + BigInt(fraction.padEnd(7, '0'));
  return sign === '-' ? -stroops : stroops;
}

/** Formats stroops as XLM with exactly 7 decimals, the way Horizon and the SDK print amounts. */
export function stroopsToXlm(stroops: bigint): string {
  const negative = stroops < 0n;
  const abs = negative ? -stroops : stroops;
  const whole = abs / STROOPS_PER_XLM;
  const fraction = (abs % STROOPS_PER_XLM).toString().padStart(7, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
