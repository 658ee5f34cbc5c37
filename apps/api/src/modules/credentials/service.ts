import type { Pool } from 'pg';
import type { AuditSink } from '../../audit-port';
import { withTransaction } from '../../db/transaction';
import { ERR_COURSE_INCOMPLETE, ERR_FORBIDDEN, ERR_NOT_FOUND } from '../../errors';
import { AUDIT } from '../../names';
import type { OnchainJobs } from '../../stellar/onchain-jobs';
import { requeueSettledFailure } from '../../stellar/requeue';
import { waitAtMost } from '../../wait';
import { courseExists } from '../courses/repository';
import type { Caller } from '../rewards/service';
import { courseProgress } from '../submissions/repository';
import { type CredentialRow, findCredential, insertCredential, lockUser } from './repository';

export function credentialView(row: CredentialRow) {
  return {
    credentialId: row.id,
    courseId: row.course_id,
    status: row.status,
    txHash: row.tx_hash,
    ledger: row.ledger,
    resultCode: row.result_code,
  };
}

export function createCredentialService(deps: {
  pool: Pool;
  audit: AuditSink;
  jobs: OnchainJobs;
  waitMs: number;
  auditSecurity(event: Parameters<AuditSink['write']>[1]): Promise<void>;
}) {
  return {
    async mint(caller: Caller, courseId: string): Promise<{ row: CredentialRow; created: boolean }> {
      const { row, created } = await withTransaction(deps.pool, async (client) => {
        if (!(await courseExists(client, courseId))) throw ERR_NOT_FOUND(`course ${courseId}`);
        await lockUser(client, caller.userId);
        const progress = await courseProgress(client, caller.userId, courseId);
        const missing = progress.quizIds.filter((id) => !progress.passed.includes(id));
        if (missing.length > 0) throw ERR_COURSE_INCOMPLETE(`still to pass: ${missing.join(', ')}`);
        let [credential, isNew] = await insertCredential(client, {
          userId: caller.userId,
          courseId,
          destination: caller.address,
          traceId: caller.traceId,
          ip: caller.ip,
          userAgent: caller.userAgent,
        });
        const retried = isNew
          ? undefined
          : await requeueSettledFailure<CredentialRow>(client, 'credentials', credential.id, caller);
        if (retried) [credential, isNew] = [retried, true];
        if (isNew) {
          await deps.audit.write(client, {
            event: AUDIT.credentialMintRequested,
            result: 'success',
            userId: caller.userId,
            stellarAddress: caller.address,
            resource: 'credential',
            resourceId: credential.id,
            action: 'create',
            ip: caller.ip,
            userAgent: caller.userAgent,
            metadata: { courseId, retryOf: retried?.tx_hash ?? null },
          });
        }
        return { row: credential, created: isNew };
      });
      if (row.status === 'requested' || row.status === 'submitted') {
        await waitAtMost(deps.jobs.advance(row.id), deps.waitMs);
      }
      return { row: ((await findCredential(deps.pool, row.id)) ?? row) as CredentialRow, created };
    },

    async get(caller: Caller, credentialId: string): Promise<CredentialRow> {
      const row = await findCredential(deps.pool, credentialId);
      if (!row) throw ERR_NOT_FOUND(`credential ${credentialId}`);
      if (row.user_id !== caller.userId) {
        await deps.auditSecurity({
          event: AUDIT.authorizationFailure,
          result: 'failure',
          userId: caller.userId,
          stellarAddress: caller.address,
          resource: 'credential',
          resourceId: credentialId,
          action: 'read',
          reason: 'not_owner',
          ip: caller.ip,
          userAgent: caller.userAgent,
        });
        throw ERR_FORBIDDEN();
      }
      return row;
    },
  };
}
