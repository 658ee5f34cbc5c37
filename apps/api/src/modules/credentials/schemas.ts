import { idParam } from '../courses/schemas';

const credential = {
  type: 'object',
  properties: {
    credentialId: { type: 'string', format: 'uuid' },
    courseId: { type: 'string' },
    status: { type: 'string', enum: ['requested', 'submitted', 'confirmed', 'failed', 'expired'] },
    txHash: { type: ['string', 'null'] },
    ledger: { type: ['integer', 'null'] },
    resultCode: { type: ['string', 'null'] },
  },
} as const;

export const mintSchema = {
  tags: ['credentials'],
  summary: 'Mint the course credential once every quiz of the course is passed (once per user and course)',
  security: [{ bearerAuth: [] }],
  body: {
    type: 'object',
    required: ['courseId'],
    additionalProperties: false,
    properties: { courseId: idParam },
  },
  response: { 200: credential, 201: credential },
} as const;

export const getCredentialSchema = {
  tags: ['credentials'],
  summary: 'One of your credentials',
  security: [{ bearerAuth: [] }],
  params: {
    type: 'object',
    required: ['credentialId'],
    properties: { credentialId: { type: 'string', format: 'uuid' } },
  },
  response: { 200: credential },
} as const;
