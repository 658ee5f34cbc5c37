import { ERROR_CODES } from './errors';

/**
 * JSON schemas shared by the route modules (one place, so no domain module
 * imports another's schemas).
 */

/** A catalog id (course, quiz): lower-case slug, 1–64 characters. */
export const slugId = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } as const;

/** A row id the service generated (users, submissions, claims, credentials). */
export const uuid = { type: 'string', format: 'uuid' } as const;

/** Routes that need `Authorization: Bearer <JWT>`. */
export const bearerAuth = [{ bearerAuth: [] }] as const;

/** The on-chain job states a claim or a credential goes through. */
export const jobStatus = {
  type: 'string',
  enum: ['requested', 'submitted', 'confirmed', 'failed', 'expired'],
} as const;

/** The fields every on-chain job view carries (status and the ledger outcome). */
export const jobFields = {
  status: jobStatus,
  txHash: { type: ['string', 'null'] },
  ledger: { type: ['integer', 'null'] },
  resultCode: { type: ['string', 'null'] },
} as const;

/** `$id` of the shared error envelope (registered once by the error-handler plugin). */
export const ERROR_SCHEMA_ID = 'ErrorResponse';

/** The error envelope every failure is answered with (`components.schemas.ErrorResponse`). */
export const errorSchema = {
  $id: ERROR_SCHEMA_ID,
  type: 'object',
  description: 'Every error: a stable `API_ERR_*` code (see the README table), the HTTP status and a message.',
  required: ['statusCode', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    message: { type: 'string' },
    details: {
      type: 'array',
      description: 'Validation failures only: where and what.',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

/** Why each error status can happen, for the OpenAPI response descriptions (codes from ERROR_CODES). */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'API_ERR_VALIDATION, API_ERR_INVALID_JSON or API_ERR_BAD_REQUEST',
  401: 'API_ERR_UNAUTHORIZED: no valid bearer token for a known user',
  403: "API_ERR_FORBIDDEN: another user's resource (audited as authz_fail)",
  404: 'API_ERR_NOT_FOUND',
  409: 'API_ERR_REWARD_ALREADY_CLAIMED: this quiz was already rewarded with another submission',
  413: 'API_ERR_BODY_TOO_LARGE',
  415: 'API_ERR_UNSUPPORTED_MEDIA_TYPE: send application/json',
  422: 'API_ERR_NOT_PASSED or API_ERR_COURSE_INCOMPLETE',
  429: 'API_ERR_RATE_LIMITED (Retry-After)',
  500: 'API_ERR_INTERNAL',
  503: 'API_ERR_DATABASE_UNAVAILABLE or API_ERR_AUTH_STORE_UNAVAILABLE',
};

/** The error responses every route has (malformed request, internal error, database down). */
const ALWAYS = [400, 500, 503] as const;
/** The error responses of every route with a JSON body. */
export const BODY_ERRORS = [413, 415] as const;

/**
 * Response schemas for the given error statuses (plus 400, 500 and 503, which every route can
 * answer), each the shared `ErrorResponse` envelope with a description of its codes.
 */
export function errorResponses(...statuses: number[]) {
  const all = [...new Set([...ALWAYS, ...statuses])].sort();
  return Object.fromEntries(
    all.map((status) => [status, { description: ERROR_DESCRIPTIONS[status] ?? 'error', $ref: `${ERROR_SCHEMA_ID}#` }]),
  ) as Record<number, { description: string; $ref: string }>;
}
