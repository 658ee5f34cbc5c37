import { BODY_ERRORS, errorResponses } from '../../schemas';

/** A Stellar account id: G followed by 55 base32 characters (checksum verified in the service). */
const stellarAddress = {
  type: 'string',
  pattern: '^G[A-Z2-7]{55}$',
  description: 'Stellar public key (G...)',
} as const;

export const challengeSchema = {
  tags: ['auth'],
  operationId: 'createChallenge',
  summary: 'Get a single-use sign-in challenge for a Stellar account',
  body: {
    type: 'object',
    required: ['stellarAddress'],
    additionalProperties: false,
    properties: { stellarAddress },
  },
  response: {
    ...errorResponses(...BODY_ERRORS, 401, 429),
    200: {
      type: 'object',
      properties: { challenge: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
    },
  },
} as const;

export const verifySchema = {
  tags: ['auth'],
  operationId: 'verifyChallenge',
  summary: 'Exchange a SEP-53 signature of the challenge for a JWT',
  body: {
    type: 'object',
    required: ['stellarAddress', 'challenge', 'signature'],
    additionalProperties: false,
    properties: {
      stellarAddress,
      challenge: { type: 'string', minLength: 1, maxLength: 1024 },
      signature: { type: 'string', minLength: 1, maxLength: 256, description: 'base64 SEP-53 signature' },
    },
  },
  response: {
    ...errorResponses(...BODY_ERRORS, 401, 429),
    200: { type: 'object', properties: { token: { type: 'string' }, expiresIn: { type: 'string' } } },
  },
} as const;
