/**
 * Delay before resend number `attempt` (1-based): exponential, capped, with
 * half of it jittered so many clients refused at once do not return at once.
 */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}
