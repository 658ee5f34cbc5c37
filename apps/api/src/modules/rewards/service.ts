import { ERR_ALREADY_CLAIMED, ERR_NOT_FOUND, ERR_NOT_PASSED } from '../../errors';
import { AUDIT } from '../../names';
import type { Caller } from '../../plugins/auth';
import { createJobRequester, type JobRequestDeps, jobView, NotOwner } from '../../request-job';
import { type ClaimRow, insertClaim, lockSubmission } from './repository';
import type { ClaimView } from './schemas';

/** The API view of a claim row (the `claim` response schema). */
export function claimView(row: ClaimRow): ClaimView {
  return { claimId: row.id, submissionId: row.submission_id, amount: String(row.amount), ...jobView(row) };
}

/** Another submission of the same quiz already has the learner's claim (rolled back, then 409). */
class AlreadyClaimed extends Error {
  constructor(
    readonly quizId: string,
    readonly claimId: string,
  ) {
    super(`quiz ${quizId} already claimed`);
  }
}

/**
 * Reward claims: one claim (one payout) per learner and quiz, from one of the
 * caller's own passed submissions. Asking again with the same submission
 * returns the same claim; with another submission of the same quiz, 409.
 */
export function createRewardService(deps: JobRequestDeps<ClaimRow> & { onRejected(reason: 'already_claimed'): void }) {
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
    async claim(caller: Caller, submissionId: string) {
      try {
        return await requester.request(caller, async (client) => {
          // The row lock queues concurrent claims of one submission; the unique constraint backs it up.
          const submission = await lockSubmission(client, submissionId);
          if (!submission) throw ERR_NOT_FOUND(`submission ${submissionId}`);
          if (submission.user_id !== caller.userId) throw new NotOwner('submission', submissionId, 'claim');
          if (!submission.passed) throw ERR_NOT_PASSED();
          const amount = submission.reward_amount;
          const { row, outcome } = await insertClaim(client, {
            submissionId,
            quizId: submission.quiz_id,
            userId: caller.userId,
            destination: caller.address,
            amount,
            traceId: caller.traceId,
            ip: caller.ip,
            userAgent: caller.userAgent,
          });
          if (outcome === 'quiz_already_claimed') {
            throw new AlreadyClaimed(submission.quiz_id, row.id);
          }
          return { row, created: outcome === 'created', audit: { amount, metadata: { submissionId } } };
        });
      } catch (error) {
        if (!(error instanceof AlreadyClaimed)) throw error;
        deps.onRejected('already_claimed');
        await deps.auditSecurity({
          event: AUDIT.rewardClaimRejected,
          result: 'failure',
          userId: caller.userId,
          stellarAddress: caller.address,
          resource: 'submission',
          resourceId: submissionId,
          action: 'claim',
          reason: 'already_claimed',
          ip: caller.ip,
          userAgent: caller.userAgent,
          metadata: { quizId: error.quizId, claimId: error.claimId },
        });
        throw ERR_ALREADY_CLAIMED(`quiz ${error.quizId} was already rewarded (claim ${error.claimId})`);
      }
    },
    get: (caller: Caller, claimId: string) => requester.get(caller, claimId),
  };
}
