import { BODY_ERRORS, bearerAuth, errorResponses, slugId, uuid } from '../../schemas';

export const submitSchema = {
  tags: ['submissions'],
  operationId: 'submitQuiz',
  summary: 'Submit answers to a quiz (signed in)',
  security: bearerAuth,
  params: { type: 'object', required: ['quizId'], properties: { quizId: slugId } },
  body: {
    type: 'object',
    required: ['answers'],
    additionalProperties: false,
    properties: {
      answers: {
        type: 'object',
        description: 'question id -> chosen choice index',
        maxProperties: 100,
        propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$' },
        additionalProperties: { type: 'integer', minimum: 0, maximum: 100 },
      },
    },
  },
  response: {
    ...errorResponses(...BODY_ERRORS, 401, 404, 429),
    201: {
      type: 'object',
      properties: {
        submissionId: uuid,
        score: { type: 'integer' },
        passed: { type: 'boolean' },
        rewardAmount: { type: 'string' },
      },
    },
  },
} as const;
