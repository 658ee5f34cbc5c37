import { Asset, BASE_FEE, Memo, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { AUDIT, SPAN, STELLAR_METHOD } from '../../names';
import type { ServiceMetrics } from '../../service-metrics';
import type { JobKind } from '../../stellar/onchain-jobs';
import type { StellarSetup } from '../../types';

/**
 * A reward payout: native XLM from the distributor. A learner whose account
 * does not exist yet is created with the reward as its starting balance.
 */
export function rewardJobKind(stellar: StellarSetup, metrics: ServiceMetrics, timeoutSeconds: number): JobKind {
  return {
    table: 'reward_claims',
    method: STELLAR_METHOD.rewardPayout,
    resource: 'reward_claim',
    spanName: SPAN.claimProcess,
    source: stellar.distributor,
    events: {
      submitted: AUDIT.rewardPayoutSubmitted,
      confirmed: AUDIT.rewardClaimed,
      failed: AUDIT.rewardClaimFailed,
    },
    async build(row, account) {
      const destination = row.destination;
      const amount = String(row.amount);
      const exists = await stellar.gateway.accountExists(destination);
      const operation = exists
        ? Operation.payment({ destination, asset: Asset.native(), amount })
        : Operation.createAccount({ destination, startingBalance: amount });
      return new TransactionBuilder(account, { fee: BASE_FEE, networkPassphrase: stellar.networkPassphrase })
        .addOperation(operation)
        .addMemo(Memo.text('learn-to-earn reward'))
        .setTimeout(timeoutSeconds)
        .build();
    },
    auditFields: (row) => ({ amount: String(row.amount) }),
    onSettled: (row) => metrics.claimSettled(row.status, String(row.amount)),
  };
}
