import type { Pool } from 'pg';
import type { AuditSink } from '../../audit-port';
import { findQuiz, type Question } from '../../db/catalog';
import { withTransaction } from '../../db/transaction';
import { ERR_NOT_FOUND } from '../../errors';
import { AUDIT } from '../../names';
import type { Caller } from '../../plugins/auth';
import type { ServiceMetrics } from '../../service-metrics';
import { insertSubmission } from './repository';
import type { Answers, SubmissionResult } from './schemas';

/** Scores answers: one point per question whose chosen index is the right one. */
export function score(questions: Question[], answers: Answers): number {
  return questions.filter((q) => answers[q.id] === q.answer).length;
}

export function createSubmissionService(deps: { pool: Pool; audit: AuditSink; metrics: ServiceMetrics }) {
  return {
    /** Scores the answers and records the submission with its `quiz_submitted` event (one commit). */
    async submit(caller: Caller, quizId: string, answers: Answers): Promise<SubmissionResult> {
      const result = await withTransaction(deps.pool, async (client) => {
        const quiz = await findQuiz(client, quizId);
        if (!quiz) throw ERR_NOT_FOUND(`quiz ${quizId}`);
        const points = score(quiz.questions, answers);
        const passed = points >= quiz.pass_score;
        const submissionId = await insertSubmission(client, {
          userId: caller.userId,
          quizId,
          answers,
          score: points,
          passed,
        });
        await deps.audit.write(client, {
          event: AUDIT.quizSubmitted,
          result: 'success',
          userId: caller.userId,
          stellarAddress: caller.address,
          resource: 'submission',
          resourceId: submissionId,
          action: 'submit',
          ip: caller.ip,
          userAgent: caller.userAgent,
          metadata: { quizId: quiz.id, courseId: quiz.course_id, score: points, passed },
        });
        return { submissionId, score: points, passed, rewardAmount: quiz.reward_amount };
      });
      deps.metrics.quizCompleted(result.passed);
      return result;
    },
  };
}
