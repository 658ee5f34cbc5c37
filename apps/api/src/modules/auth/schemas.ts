import { type Static, Type } from 'typebox';
import { BODY_ERRORS, errorResponses, publicAccess, stellarAccountId as stellarAddress } from '../../schemas';

/** A single-use sign-in challenge (SEP-53 message) and when it expires. */
export const challenge = Type.Object({
  challenge: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type Challenge = Static<typeof challenge>;

export const challengeSchema = {
  tags: ['auth'],
  operationId: 'createChallenge',
  summary: 'Get a single-use sign-in challenge for a Stellar account',
  security: publicAccess,
  body: Type.Object({ stellarAddress }, { additionalProperties: false }),
  response: { ...errorResponses(...BODY_ERRORS, 401, 429), 200: challenge },
};

/** The body of POST /auth/verify: the account, the challenge it was given and its signature. */
export const verifyBody = Type.Object(
  {
    stellarAddress,
    challenge: Type.String({ minLength: 1, maxLength: 1024 }),
    signature: Type.String({ minLength: 1, maxLength: 256, description: 'base64 SEP-53 signature' }),
  },
  { additionalProperties: false },
);
export type VerifyBody = Static<typeof verifyBody>;

export const verifySchema = {
  tags: ['auth'],
  operationId: 'verifyChallenge',
  summary: 'Exchange a SEP-53 signature of the challenge for a JWT',
  security: publicAccess,
  body: verifyBody,
  response: {
    ...errorResponses(...BODY_ERRORS, 401, 429),
    200: Type.Object({ token: Type.String(), expiresIn: Type.String() }),
  },
};
