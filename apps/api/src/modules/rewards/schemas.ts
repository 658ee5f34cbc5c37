import { BODY_ERRORS, bearerAuth, errorResponses, jobFields, uuid } from '../../schemas';

const claim = {
  type: 'object',
  properties: { claimId: uuid, submissionId: uuid, amount: { type: 'string' }, ...jobFields },
} as const;

export const createClaimSchema = {
  tags: ['rewards'],
  operationId: 'claimReward',
  summary: 'Claim the reward of one of your passed submissions (exactly one payout per submission)',
  security: bearerAuth,
  body: {
    type: 'object',
    required: ['submissionId'],
    additionalProperties: false,
    properties: { submissionId: uuid },
  },
  response: { 200: claim, 201: claim, ...errorResponses(...BODY_ERRORS, 401, 403, 404, 409, 422, 429) },
} as const;

export const getClaimSchema = {
  tags: ['rewards'],
  operationId: 'getRewardClaim',
  summary: 'One of your reward claims',
  security: bearerAuth,
  params: { type: 'object', required: ['claimId'], properties: { claimId: uuid } },
  response: { 200: claim, ...errorResponses(401, 403, 404) },
} as const;
