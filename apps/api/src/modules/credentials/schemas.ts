import { bearerAuth, jobFields, slugId, uuid } from '../../schemas';

const credential = {
  type: 'object',
  properties: { credentialId: uuid, courseId: { type: 'string' }, ...jobFields },
} as const;

export const mintSchema = {
  tags: ['credentials'],
  summary: 'Mint the course credential once every quiz of the course is passed (once per user and course)',
  security: bearerAuth,
  body: {
    type: 'object',
    required: ['courseId'],
    additionalProperties: false,
    properties: { courseId: slugId },
  },
  response: { 200: credential, 201: credential },
} as const;

export const getCredentialSchema = {
  tags: ['credentials'],
  summary: 'One of your credentials',
  security: bearerAuth,
  params: {
    type: 'object',
    required: ['credentialId'],
    properties: { credentialId: uuid },
  },
  response: { 200: credential },
} as const;
