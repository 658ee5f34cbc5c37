import { ERR_NOT_FOUND, ERR_NOT_PASSED } from '../../errors';
import { AUDIT } from '../../names';
import type { Caller } from '../../plugins/auth';
import { createJobRequester, type JobRequestDeps, jobView, NotOwner } from '../../request-job';
import { type ClaimRow, insertClaim, lockSubmission } from './repository';

export function claimView(row: ClaimRow) {
  return { claimId: row.id, submissionId: row.submission_id, amount: String(row.amount), ...jobView(row) };
}

/** Reward claims: one claim (one payout) per passed submission of the caller's own. */
export function createRewardService(deps: JobRequestDeps) {
  const requester = createJobRequester<ClaimRow>(deps, {
    table: 'reward_claims',
    resource: 'reward_claim',
    noun: 'claim',
    requestedEvent: AUDIT.rewardClaimRequested,
  });
  return {
    /**
     * Creates the claim (row + reward_claim_requested, one commit) or returns
     * the existing one, then drives the payout for up to `waitMs`.
     */
    claim: (caller: Caller, submissionId: string) =>
      requester.request(caller, async (client) => {
        // The row lock queues concurrent claims of one submission; the unique constraint backs it up.
        const submission = await lockSubmission(client, submissionId);
        if (!submission) throw ERR_NOT_FOUND(`submission ${submissionId}`);
        if (submission.user_id !== caller.userId) throw new NotOwner('submission', submissionId, 'claim');
        if (!submission.passed) throw ERR_NOT_PASSED();
        const amount = submission.reward_amount;
        const [row, created] = await insertClaim(client, {
          submissionId,
          userId: caller.userId,
          destination: caller.address,
          amount,
          traceId: caller.traceId,
          ip: caller.ip,
          userAgent: caller.userAgent,
        });
        return { row, created, audit: { amount, metadata: { submissionId } } };
      }),
    get: (caller: Caller, claimId: string) => requester.get(caller, claimId),
  };
}
