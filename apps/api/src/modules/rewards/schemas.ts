import { type Static, Type } from 'typebox';
import { BODY_ERRORS, bearerAuth, errorResponses, jobFields, uuid } from '../../schemas';

/** A reward claim as the API shows it (amount in XLM as a decimal string, its payout's status and outcome). */
export const claim = Type.Object({ claimId: uuid, submissionId: uuid, amount: Type.String(), ...jobFields });
export type ClaimView = Static<typeof claim>;

export const createClaimSchema = {
  tags: ['rewards'],
  operationId: 'claimReward',
  summary: 'Claim the reward of one of your passed submissions (exactly one payout per submission)',
  security: bearerAuth,
  body: Type.Object({ submissionId: uuid }, { additionalProperties: false }),
  response: { 200: claim, 201: claim, ...errorResponses(...BODY_ERRORS, 401, 403, 404, 409, 422, 429) },
};

export const getClaimSchema = {
  tags: ['rewards'],
  operationId: 'getRewardClaim',
  summary: 'One of your reward claims',
  security: bearerAuth,
  params: Type.Object({ claimId: uuid }),
  response: { 200: claim, ...errorResponses(401, 403, 404) },
};
