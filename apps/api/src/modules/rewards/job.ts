import { Asset, BASE_FEE, Memo, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { AUDIT, SPAN, STELLAR_METHOD } from '../../names';
import type { ServiceMetrics } from '../../service-metrics';
import type { JobKind } from '../../stellar/onchain-jobs';
import type { StellarSetup } from '../../types';
import type { ClaimRow } from './repository';

/**
 * Reward payouts: native XLM from the distributor, up to `maxOperations` claims per envelope, one
 * operation each. A learner whose account does not exist yet is created with the reward as its
 * starting balance (create_account); otherwise a payment. With channel accounts, a channel is the
 * transaction's source (its sequence number, its fee) and the distributor each operation's source.
 */
export function rewardJobKind(
  stellar: StellarSetup,
  metrics: ServiceMetrics,
  options: { timeoutSeconds: number; maxOperations: number },
): JobKind<ClaimRow> {
  return {
    label: STELLAR_METHOD.rewardPayout,
    table: 'reward_claims',
    resource: 'reward_claim',
    spanName: SPAN.claimProcess,
    payer: stellar.distributor,
    channels: stellar.channels,
    maxOperations: options.maxOperations,
    events: {
      submitted: AUDIT.rewardPayoutSubmitted,
      confirmed: AUDIT.rewardClaimed,
      failed: AUDIT.rewardClaimFailed,
    },
    async build(rows, account, operationSource) {
      // One getLedgerEntries request for the whole batch (at most 100 destinations).
      const existing = await stellar.gateway.existingAccounts(rows.map((row) => row.destination));
      // One create_account per new destination: a second one in the same envelope would fail the batch.
      const created = new Set<string>();
      const source = operationSource === undefined ? {} : { source: operationSource };
      const builder = new TransactionBuilder(account, {
        // The fee is per operation: BASE_FEE × operations.
        fee: BASE_FEE,
        networkPassphrase: stellar.networkPassphrase,
      });
      for (const row of rows) {
        const destination = row.destination;
        const amount = String(row.amount);
        if (existing.has(destination) || created.has(destination)) {
          builder.addOperation(Operation.payment({ destination, asset: Asset.native(), amount, ...source }));
        } else {
          created.add(destination);
          builder.addOperation(Operation.createAccount({ destination, startingBalance: amount, ...source }));
        }
      }
      return builder.addMemo(Memo.text('learn-to-earn reward')).setTimeout(options.timeoutSeconds).build();
    },
    auditFields: (row) => ({ amount: String(row.amount) }),
    onSettled: (row) => metrics.claimSettled(row.status, String(row.amount)),
  };
}
