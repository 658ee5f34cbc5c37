import { BODY_ERRORS, bearerAuth, errorResponses, jobFields, slugId, uuid } from '../../schemas';

const credential = {
  type: 'object',
  properties: { credentialId: uuid, courseId: { type: 'string' }, ...jobFields },
} as const;

export const mintSchema = {
  tags: ['credentials'],
  operationId: 'mintCredential',
  summary: 'Mint the course credential once every quiz of the course is passed (once per user and course)',
  security: bearerAuth,
  body: {
    type: 'object',
    required: ['courseId'],
    additionalProperties: false,
    properties: { courseId: slugId },
  },
  response: { 200: credential, 201: credential, ...errorResponses(...BODY_ERRORS, 401, 404, 422) },
} as const;

export const getCredentialSchema = {
  tags: ['credentials'],
  operationId: 'getCredential',
  summary: 'One of your credentials',
  security: bearerAuth,
  params: {
    type: 'object',
    required: ['credentialId'],
    properties: { credentialId: uuid },
  },
  response: { 200: credential, ...errorResponses(401, 403, 404) },
} as const;
