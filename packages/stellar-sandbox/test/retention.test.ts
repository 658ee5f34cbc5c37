import { SandboxError } from '../src';
import { harness, hashHex, payment } from './helpers';

describe('historyRetentionLedgers', () => {
  it('forgets transactions of ledgers that left the window and names the oldest ledger kept', async () => {
    const h = await harness({ historyRetentionLedgers: 3, fundedAccounts: 2 });
    try {
      const tx = await payment(h, h.keypair(0), h.sandbox.accounts[1]!.publicKey);
      await h.server.sendTransaction(tx);
      await h.sandbox.closeLedger();
      const found = await h.server.getTransaction(hashHex(tx));
      expect(found.status).toBe('SUCCESS');
      const appliedIn = (found as { ledger: number }).ledger;
      // Still inside the window: 3 ledgers kept, the transaction's among them.
      await h.sandbox.closeLedger();
      await h.sandbox.closeLedger();
      expect((await h.server.getTransaction(hashHex(tx))).status).toBe('SUCCESS');
      await h.sandbox.closeLedger();
      const gone = await h.server.getTransaction(hashHex(tx));
      expect(gone.status).toBe('NOT_FOUND');
      expect(gone.oldestLedger).toBe(appliedIn + 1);
      expect(gone.latestLedger).toBe(appliedIn + 3);
      expect(Number(gone.oldestLedgerCloseTime)).toBeGreaterThanOrEqual(Number(found.latestLedgerCloseTime));
      const health = await h.server.getHealth();
      expect(health.oldestLedger).toBe(appliedIn + 1);
      expect(health.ledgerRetentionWindow).toBe(3);
      // The ledger itself keeps the payment: only the RPC's history forgot it.
      expect(h.sandbox.balance(h.sandbox.accounts[1]!.publicKey)).toBe('10010.0000000');
    } finally {
      await h.sandbox.close();
    }
  });

  it('keeps every ledger by default (oldestLedger 1) and refuses a window below 1', async () => {
    const h = await harness({ fundedAccounts: 1 });
    try {
      for (let i = 0; i < 5; i += 1) await h.sandbox.closeLedger();
      const health = await h.server.getHealth();
      expect(health.oldestLedger).toBe(1);
      expect(health.ledgerRetentionWindow).toBe(120960);
    } finally {
      await h.sandbox.close();
    }
    await expect(harness({ historyRetentionLedgers: 0 })).rejects.toThrow(SandboxError);
    await expect(harness({ historyRetentionLedgers: 1.5 })).rejects.toThrow(/historyRetentionLedgers/);
  });
});
