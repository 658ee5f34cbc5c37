const claim = {
  type: 'object',
  properties: {
    claimId: { type: 'string', format: 'uuid' },
    submissionId: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['requested', 'submitted', 'confirmed', 'failed', 'expired'] },
    amount: { type: 'string' },
    txHash: { type: ['string', 'null'] },
    ledger: { type: ['integer', 'null'] },
    resultCode: { type: ['string', 'null'] },
  },
} as const;

export const createClaimSchema = {
  tags: ['rewards'],
  summary: 'Claim the reward of one of your passed submissions (exactly one payout per submission)',
  security: [{ bearerAuth: [] }],
  body: {
    type: 'object',
    required: ['submissionId'],
    additionalProperties: false,
    properties: { submissionId: { type: 'string', format: 'uuid' } },
  },
  response: { 200: claim, 201: claim },
} as const;

export const getClaimSchema = {
  tags: ['rewards'],
  summary: 'One of your reward claims',
  security: [{ bearerAuth: [] }],
  params: { type: 'object', required: ['claimId'], properties: { claimId: { type: 'string', format: 'uuid' } } },
  response: { 200: claim },
} as const;
