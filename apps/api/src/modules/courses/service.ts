import type { Pool } from 'pg';
import { findQuiz, listCourses } from '../../db/catalog';
import { ERR_NOT_FOUND } from '../../errors';
import type { CourseList, QuizView } from './schemas';

/** Public views of courses and quizzes: answers never leave the service. */
export function createCourseService(pool: Pool) {
  return {
    async list(): Promise<CourseList> {
      const { courses, quizzes } = await listCourses(pool);
      return courses.map((course) => ({
        ...course,
        quizzes: quizzes
          .filter((q) => q.course_id === course.id)
          .map((q) => ({ id: q.id, title: q.title, rewardAmount: q.reward_amount, questionCount: q.questions.length })),
      }));
    },
    async quiz(quizId: string): Promise<QuizView> {
      const quiz = await findQuiz(pool, quizId);
      if (!quiz) throw ERR_NOT_FOUND(`quiz ${quizId}`);
      return {
        id: quiz.id,
        courseId: quiz.course_id,
        title: quiz.title,
        passScore: quiz.pass_score,
        rewardAmount: quiz.reward_amount,
        questions: quiz.questions.map(({ id, text, choices }) => ({ id, text, choices })),
      };
    },
  };
}
