import { isPastBounds } from '../src/bounds';
import { backoffDelay } from '../src/backoff';

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
