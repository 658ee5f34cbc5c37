import { type Static, Type } from 'typebox';
import { errorResponses, publicAccess, slugId } from '../../schemas';

const quizSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  rewardAmount: Type.String(),
  questionCount: Type.Integer(),
});

/** GET /courses: every course with a summary of its quizzes. */
export const courseList = Type.Array(
  Type.Object({
    id: Type.String(),
    title: Type.String(),
    description: Type.String(),
    quizzes: Type.Array(quizSummary),
  }),
);
export type CourseList = Static<typeof courseList>;

export const listCoursesSchema = {
  tags: ['courses'],
  operationId: 'listCourses',
  summary: 'List courses and their quizzes',
  security: publicAccess,
  response: { ...errorResponses(), 200: courseList },
};

/** GET /quizzes/:quizId: a quiz and its questions. */
export const quizView = Type.Object({
  id: Type.String(),
  courseId: Type.String(),
  title: Type.String(),
  passScore: Type.Integer(),
  rewardAmount: Type.String(),
  // Explicit properties: the serializer drops anything else, so `answer` can never leak.
  questions: Type.Array(Type.Object({ id: Type.String(), text: Type.String(), choices: Type.Array(Type.String()) })),
});
export type QuizView = Static<typeof quizView>;

export const getQuizSchema = {
  tags: ['courses'],
  operationId: 'getQuiz',
  summary: 'A quiz with its questions and choices (never the answers)',
  security: publicAccess,
  params: Type.Object({ quizId: slugId }),
  response: { ...errorResponses(404), 200: quizView },
};
