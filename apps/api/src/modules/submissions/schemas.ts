import { type Static, Type } from 'typebox';
import { BODY_ERRORS, bearerAuth, errorResponses, slugId, uuid } from '../../schemas';

/** Question id -> the index of the chosen choice. */
export const answers = Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 100 }), {
  description: 'question id -> chosen choice index',
  maxProperties: 100,
  propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$' },
});
export type Answers = Static<typeof answers>;

/** The outcome of one submission. */
export const submissionResult = Type.Object({
  submissionId: uuid,
  score: Type.Integer(),
  passed: Type.Boolean(),
  rewardAmount: Type.String(),
});
export type SubmissionResult = Static<typeof submissionResult>;

export const submitSchema = {
  tags: ['submissions'],
  operationId: 'submitQuiz',
  summary: 'Submit answers to a quiz (signed in)',
  security: bearerAuth,
  params: Type.Object({ quizId: slugId }),
  body: Type.Object({ answers }, { additionalProperties: false }),
  response: { ...errorResponses(...BODY_ERRORS, 401, 404, 429), 201: submissionResult },
};
