import { courseExists } from '../../db/catalog';
import { ERR_COURSE_INCOMPLETE, ERR_NOT_FOUND } from '../../errors';
import { AUDIT } from '../../names';
import type { Caller } from '../../plugins/auth';
import { createJobRequester, type JobRequestDeps, jobView } from '../../request-job';
import { type CredentialRow, courseProgress, insertCredential, lockUser } from './repository';
import type { CredentialView } from './schemas';

/** The API view of a credential row (the `credential` response schema). */
export function credentialView(row: CredentialRow): CredentialView {
  return { credentialId: row.id, courseId: row.course_id, ...jobView(row) };
}

/** Course credentials: one mint per user and course, once every quiz of the course is passed. */
export function createCredentialService(deps: JobRequestDeps<CredentialRow>) {
  const requester = createJobRequester<CredentialRow>(deps, {
    table: 'credentials',
    resource: 'credential',
    noun: 'credential',
    requestedEvent: AUDIT.credentialMintRequested,
  });
  return {
    /** Creates the mint request (row + credential_mint_requested) or returns the existing one, then waits. */
    mint: (caller: Caller, courseId: string) =>
      requester.request(caller, async (client) => {
        if (!(await courseExists(client, courseId))) throw ERR_NOT_FOUND(`course ${courseId}`);
        await lockUser(client, caller.userId);
        const progress = await courseProgress(client, caller.userId, courseId);
        const missing = progress.quizIds.filter((id) => !progress.passed.includes(id));
        if (missing.length > 0) throw ERR_COURSE_INCOMPLETE(`still to pass: ${missing.join(', ')}`);
        const [row, created] = await insertCredential(client, {
          userId: caller.userId,
          courseId,
          destination: caller.address,
          traceId: caller.traceId,
          ip: caller.ip,
          userAgent: caller.userAgent,
        });
        return { row, created, audit: { metadata: { courseId } } };
      }),
    get: (caller: Caller, credentialId: string) => requester.get(caller, credentialId),
  };
}
