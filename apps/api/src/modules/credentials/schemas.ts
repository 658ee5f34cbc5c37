import { type Static, Type } from 'typebox';
import { BODY_ERRORS, bearerAuth, errorResponses, jobFields, slugId, uuid } from '../../schemas';

/** A course credential as the API shows it (its mint's status and ledger outcome). */
export const credential = Type.Object({ credentialId: uuid, courseId: Type.String(), ...jobFields });
export type CredentialView = Static<typeof credential>;

export const mintSchema = {
  tags: ['credentials'],
  operationId: 'mintCredential',
  summary: 'Mint the course credential once every quiz of the course is passed (once per user and course)',
  security: bearerAuth,
  body: Type.Object({ courseId: slugId }, { additionalProperties: false }),
  response: { 200: credential, 201: credential, ...errorResponses(...BODY_ERRORS, 401, 404, 422) },
};

export const getCredentialSchema = {
  tags: ['credentials'],
  operationId: 'getCredential',
  summary: 'One of your credentials',
  security: bearerAuth,
  params: Type.Object({ credentialId: uuid }),
  response: { 200: credential, ...errorResponses(401, 403, 404) },
};
