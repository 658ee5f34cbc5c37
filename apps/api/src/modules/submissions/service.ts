import type { Pool } from 'pg';
import type { AuditSink } from '../../audit-port';
import { withTransaction } from '../../db/transaction';
import { ERR_NOT_FOUND } from '../../errors';
import { AUDIT } from '../../names';
import type { ServiceMetrics } from '../../service-metrics';
import { findQuiz, type Question } from '../courses/repository';
import { insertSubmission } from './repository';

/** Scores answers: one point per question whose chosen index is the right one. */
export function score(questions: Question[], answers: Record<string, number>): number {
  return questions.filter((q) => answers[q.id] === q.answer).length;
}

export function createSubmissionService(deps: { pool: Pool; audit: AuditSink; metrics: ServiceMetrics }) {
  return {
    async submit(input: {
      userId: string;
      address: string;
      quizId: string;
      answers: Record<string, number>;
      ip: string;
      userAgent: string | null;
    }) {
      const result = await withTransaction(deps.pool, async (client) => {
        const quiz = await findQuiz(client, input.quizId);
        if (!quiz) throw ERR_NOT_FOUND(`quiz ${input.quizId}`);
        const points = score(quiz.questions, input.answers);
        const passed = points >= quiz.pass_score;
        const submissionId = await insertSubmission(client, { ...input, score: points, passed });
        await deps.audit.write(client, {
          event: AUDIT.quizSubmitted,
          result: 'success',
          userId: input.userId,
          stellarAddress: input.address,
          resource: 'submission',
          resourceId: submissionId,
          action: 'submit',
          ip: input.ip,
          userAgent: input.userAgent,
          metadata: { quizId: quiz.id, courseId: quiz.course_id, score: points, passed },
        });
        return { submissionId, score: points, passed, rewardAmount: quiz.reward_amount };
      });
      deps.metrics.quizCompleted(result.passed);
      return result;
    },
  };
}
