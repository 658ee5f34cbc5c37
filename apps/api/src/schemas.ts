import { type Static, type TInteger, type TSchema, type TString, Type } from 'typebox';
import { ERROR_CODES, type ErrorCode } from './errors';
import type { JobStatus } from './stellar/onchain-jobs';

/**
 * Schemas shared by the route modules (one place, so no domain module imports another's), written
 * once with TypeBox: each is the JSON Schema Fastify validates and serialises with and documents
 * in OpenAPI 3.1, and `Static<typeof schema>` is its TypeScript type. Routes get their request and
 * reply types from these through `@fastify/type-provider-typebox`; nothing is declared twice.
 */

/** A catalog id (course, quiz): lower-case slug, 1–64 characters. */
export const slugId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' });

/**
 * A row id the service generated (users, submissions, claims, credentials): the hyphenated hex form.
 * The pattern matters: ajv's `uuid` format also takes `urn:uuid:…`, which PostgreSQL's uuid type
 * refuses (a 500, not the caller's 400, before the pattern was added).
 */
export const uuid = Type.String({
  format: 'uuid',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
});

/** A Stellar account id: G followed by 55 base32 characters (the checksum is verified where it is used). */
export const stellarAccountId = Type.String({ pattern: '^G[A-Z2-7]{55}$', description: 'Stellar public key (G...)' });

/** Routes that need `Authorization: Bearer <JWT>`. */
export const bearerAuth = [{ bearerAuth: [] }];

/** Routes anyone may call: OpenAPI `security: []`, so the document says so rather than leaving it out. */
export const publicAccess: Array<Record<string, string[]>> = [];

/** One of the given strings (`{ type: 'string', enum }`; its type is the union of the literals). */
export const stringEnum = <const V extends string>(values: readonly V[], options: { description?: string } = {}) =>
  Type.Enum<V[]>([...values], { type: 'string', ...options });

/**
 * A string or integer schema that also takes `null`: `type: [T, 'null']` (JSON Schema 2020-12 /
 * OpenAPI 3.1), typed `Static<T> | null`. Rather than TypeBox's `Union([T, Null()])`, whose `anyOf`
 * fast-json-stringify resolves by validating each branch on every response.
 */
export const nullable = <T extends TString | TInteger>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });

/** Every `JobStatus` exactly once (a status added to the machine and missing here does not compile). */
const JOB_STATUSES: Record<JobStatus, true> = {
  requested: true,
  submitted: true,
  confirmed: true,
  failed: true,
  expired: true,
};
/** The on-chain job states a claim or a credential goes through. */
export const jobStatus = stringEnum(Object.keys(JOB_STATUSES) as JobStatus[]);

/** The fields every on-chain job view carries (status and the ledger outcome). */
export const jobFields = {
  status: jobStatus,
  txHash: nullable(Type.String()),
  /** Index of the job's own operation in the transaction `txHash` (a batch pays many jobs in one transaction). */
  operationIndex: nullable(Type.Integer({ minimum: 0, maximum: 99 })),
  ledger: nullable(Type.Integer()),
  resultCode: nullable(Type.String()),
};
const jobFieldsObject = Type.Object(jobFields);
/** `{ status, txHash, operationIndex, ledger, resultCode }` of a claim or credential view. */
export type JobFieldsView = Static<typeof jobFieldsObject>;

/** `$id` of the shared error envelope (registered once by the error-handler plugin). */
export const ERROR_SCHEMA_ID = 'ErrorResponse';

/** The error envelope every failure is answered with (`components.schemas.ErrorResponse`). */
export const errorSchema = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    code: stringEnum(Object.keys(ERROR_CODES) as ErrorCode[]),
    message: Type.String(),
    details: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'Validation failures only: where and what.',
      }),
    ),
  },
  {
    $id: ERROR_SCHEMA_ID,
    description: 'Every error: a stable `API_ERR_*` code (see the README table), the HTTP status and a message.',
  },
);

/** `{ statusCode, code: API_ERR_*, message, details? }`: the body of every error answer. */
export type ErrorEnvelope = Static<typeof errorSchema>;

/**
 * A `$ref` to a schema registered with `fastify.addSchema` (documented once under
 * `components.schemas`), typed as that schema. `description` becomes the response's description.
 */
export function refTo<T extends TSchema>(schema: T, description?: string) {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new TypeError('refTo needs a schema with an $id');
  return Type.Unsafe<Static<T>>({ $ref: `${id}#`, ...(description === undefined ? {} : { description }) });
}

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

type ErrorStatus = (typeof ALWAYS)[number];

/**
 * Response schemas for the given error statuses (plus 400, 500 and 503, which every route can
 * answer), each a `$ref` to the shared `ErrorResponse` envelope with a description of its codes,
 * typed as `ErrorEnvelope` for the handlers.
 */
export function errorResponses<S extends number = never>(...statuses: S[]) {
  const all = [...new Set<number>([...ALWAYS, ...statuses])].sort();
  return Object.fromEntries(
    all.map((status) => [status, refTo(errorSchema, ERROR_DESCRIPTIONS[status] ?? 'error')]),
  ) as Record<S | ErrorStatus, ReturnType<typeof refTo<typeof errorSchema>>>;
}
