import { errorResponses, slugId } from '../../schemas';

const quizSummary = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    rewardAmount: { type: 'string' },
    questionCount: { type: 'integer' },
  },
} as const;

export const listCoursesSchema = {
  tags: ['courses'],
  operationId: 'listCourses',
  summary: 'List courses and their quizzes',
  response: {
    ...errorResponses(),
    200: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          description: { type: 'string' },
          quizzes: { type: 'array', items: quizSummary },
        },
      },
    },
  },
} as const;

export const getQuizSchema = {
  tags: ['courses'],
  operationId: 'getQuiz',
  summary: 'A quiz with its questions and choices (never the answers)',
  params: { type: 'object', required: ['quizId'], properties: { quizId: slugId } },
  response: {
    ...errorResponses(404),
    200: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        courseId: { type: 'string' },
        title: { type: 'string' },
        passScore: { type: 'integer' },
        rewardAmount: { type: 'string' },
        // Explicit properties: the serializer drops anything else, so `answer` can never leak.
        questions: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              text: { type: 'string' },
              choices: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const;
