import type { Pool } from 'pg';
import type { AuditSink } from '../../audit-port';
import { withTransaction } from '../../db/transaction';
import { ERR_FORBIDDEN, ERR_NOT_FOUND, ERR_NOT_PASSED } from '../../errors';
import { AUDIT } from '../../names';
import type { OnchainJobs } from '../../stellar/onchain-jobs';
import { requeueSettledFailure } from '../../stellar/requeue';
import { waitAtMost } from '../../wait';
import { lockSubmission } from '../submissions/repository';
import { type ClaimRow, findClaim, insertClaim, rewardAmountOf } from './repository';

export interface Caller {
  userId: string;
  address: string;
  ip: string;
  /** The request's User-Agent (kept with the job for the events written later). */
  userAgent: string | null;
  traceId: string | null;
}

export function claimView(row: ClaimRow) {
  return {
    claimId: row.id,
    submissionId: row.submission_id,
    status: row.status,
    amount: String(row.amount),
    txHash: row.tx_hash,
    ledger: row.ledger,
    resultCode: row.result_code,
  };
}

export function createRewardService(deps: {
  pool: Pool;
  audit: AuditSink;
  jobs: OnchainJobs;
  waitMs: number;
  auditSecurity(event: Parameters<AuditSink['write']>[1]): Promise<void>;
}) {
  const denied = async (caller: Caller, resource: string, id: string, action: string) => {
    await deps.auditSecurity({
      event: AUDIT.authorizationFailure,
      result: 'failure',
      userId: caller.userId,
      stellarAddress: caller.address,
      resource,
      resourceId: id,
      action,
      reason: 'not_owner',
      ip: caller.ip,
      userAgent: caller.userAgent,
    });
    return ERR_FORBIDDEN();
  };

  return {
    /**
     * Creates the claim (row + reward_claim_requested, one commit) or returns
     * the existing one, then drives the payout for up to `waitMs`.
     */
    async claim(caller: Caller, submissionId: string): Promise<{ row: ClaimRow; created: boolean }> {
      const outcome = await withTransaction(deps.pool, async (client) => {
        // The row lock queues concurrent claims of one submission; the unique constraint backs it up.
        const submission = await lockSubmission(client, submissionId);
        if (!submission) return { error: ERR_NOT_FOUND(`submission ${submissionId}`) };
        if (submission.user_id !== caller.userId) return { forbidden: true as const };
        if (!submission.passed) return { error: ERR_NOT_PASSED() };
        const amount = await rewardAmountOf(client, submission.quiz_id);
        let [row, created] = await insertClaim(client, {
          submissionId,
          userId: caller.userId,
          destination: caller.address,
          amount,
          traceId: caller.traceId,
          ip: caller.ip,
          userAgent: caller.userAgent,
        });
        const retried = created
          ? undefined
          : await requeueSettledFailure<ClaimRow>(client, 'reward_claims', row.id, caller);
        if (retried) [row, created] = [retried, true];
        if (created) {
          await deps.audit.write(client, {
            event: AUDIT.rewardClaimRequested,
            result: 'success',
            userId: caller.userId,
            stellarAddress: caller.address,
            resource: 'reward_claim',
            resourceId: row.id,
            action: 'create',
            amount,
            ip: caller.ip,
            userAgent: caller.userAgent,
            metadata: { submissionId, retryOf: retried?.tx_hash ?? null },
          });
        }
        return { row, created };
      });
      if ('forbidden' in outcome) throw await denied(caller, 'submission', submissionId, 'claim');
      if ('error' in outcome) throw outcome.error;
      const { row, created } = outcome;
      if (row.status === 'requested' || row.status === 'submitted') {
        await waitAtMost(deps.jobs.advance(row.id), deps.waitMs);
      }
      return { row: ((await findClaim(deps.pool, row.id)) ?? row) as ClaimRow, created };
    },

    async get(caller: Caller, claimId: string): Promise<ClaimRow> {
      const row = await findClaim(deps.pool, claimId);
      if (!row) throw ERR_NOT_FOUND(`claim ${claimId}`);
      if (row.user_id !== caller.userId) throw await denied(caller, 'reward_claim', claimId, 'read');
      return row;
    },
  };
}
