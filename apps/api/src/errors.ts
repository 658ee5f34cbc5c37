/**
 * Every error code the service answers with, its HTTP status and what it means: the one table
 * behind the error handler, the OpenAPI error responses and the README's table.
 */
export const ERROR_CODES = {
  API_ERR_BAD_REQUEST: { status: 400, meaning: 'a malformed request (bad header, method the server cannot parse)' },
  API_ERR_INVALID_JSON: { status: 400, meaning: 'the body is not valid JSON (or is empty with a JSON content type)' },
  API_ERR_VALIDATION: { status: 400, meaning: 'the body, path or query does not match the schema (`details`)' },
  API_ERR_UNAUTHORIZED: {
    status: 401,
    meaning: 'no valid bearer token (missing, malformed, expired, bad signature, unknown subject)',
  },
  API_ERR_FORBIDDEN: { status: 403, meaning: 'the resource belongs to another user, or a path is refused' },
  API_ERR_NOT_FOUND: { status: 404, meaning: 'the quiz, course, submission, claim or credential does not exist' },
  API_ERR_ROUTE_NOT_FOUND: { status: 404, meaning: 'no route for this method and path' },
  API_ERR_METHOD_NOT_ALLOWED: { status: 405, meaning: 'the path exists, not with this method' },
  API_ERR_NOT_ACCEPTABLE: { status: 406, meaning: 'the response cannot be produced in the accepted media type' },
  API_ERR_REQUEST_TIMEOUT: { status: 408, meaning: 'the request was not received in time' },
  API_ERR_REWARD_ALREADY_CLAIMED: {
    status: 409,
    meaning: "the learner's reward for this quiz was already claimed with another submission",
  },
  API_ERR_BODY_TOO_LARGE: { status: 413, meaning: 'the body is over `BODY_LIMIT_BYTES`' },
  API_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the body is not `application/json`' },
  API_ERR_RANGE_NOT_SATISFIABLE: { status: 416, meaning: 'a static file range outside the file' },
  API_ERR_NOT_PASSED: { status: 422, meaning: 'the submission did not pass its quiz: no reward' },
  API_ERR_COURSE_INCOMPLETE: { status: 422, meaning: 'not every quiz of the course is passed yet' },
  API_ERR_RATE_LIMITED: { status: 429, meaning: 'a rate limit was hit (`Retry-After` says when to retry)' },
  API_ERR_HEADERS_TOO_LARGE: { status: 431, meaning: 'the request headers are too large' },
  API_ERR_INTERNAL: { status: 500, meaning: 'an unexpected error (logged with its trace id; no internals returned)' },
  API_ERR_CONFIG: { status: 500, meaning: 'the service is misconfigured (start-up only)' },
  API_ERR_AUTH_STORE_UNAVAILABLE: { status: 503, meaning: 'sign-in is unavailable: Redis cannot be reached' },
  API_ERR_DATABASE_UNAVAILABLE: { status: 503, meaning: 'PostgreSQL cannot be reached; retry shortly' },
  API_ERR_METRICS_UNAVAILABLE: {
    status: 503,
    meaning: 'cluster: a worker did not hand in its metrics in time; retry (never a partial page)',
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error a caller can cause: a stable code, an HTTP status and a clear message. */
export class AppError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
    this.statusCode = ERROR_CODES[code].status;
  }
}

function define(code: ErrorCode, message: string) {
  return (detail?: string) => new AppError(code, detail ? `${message}: ${detail}` : message);
}

export const ERR_CONFIG = (message: string) => new AppError('API_ERR_CONFIG', message);
export const ERR_UNAUTHORIZED = define('API_ERR_UNAUTHORIZED', 'authentication failed');
export const ERR_FORBIDDEN = define('API_ERR_FORBIDDEN', 'this resource belongs to another user');
export const ERR_NOT_FOUND = define('API_ERR_NOT_FOUND', 'not found');
export const ERR_ALREADY_CLAIMED = define('API_ERR_REWARD_ALREADY_CLAIMED', 'one reward per learner and quiz');
export const ERR_NOT_PASSED = define('API_ERR_NOT_PASSED', 'the submission did not pass the quiz');
export const ERR_COURSE_INCOMPLETE = define('API_ERR_COURSE_INCOMPLETE', 'not every quiz of the course is passed');
export const ERR_AUTH_STORE_DOWN = define(
  'API_ERR_AUTH_STORE_UNAVAILABLE',
  'sign-in is unavailable: the nonce store (Redis) cannot be reached; other routes still work',
);
export const ERR_METRICS_UNAVAILABLE = define(
  'API_ERR_METRICS_UNAVAILABLE',
  'the cluster could not collect every worker’s metrics; retry',
);
export const ERR_DB_DOWN = define('API_ERR_DATABASE_UNAVAILABLE', 'the database cannot be reached; retry shortly');

/** Fastify's own errors (FST_ERR_*) that a client causes, mapped to the service's codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'API_ERR_INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'API_ERR_INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'API_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'API_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'API_ERR_BAD_REQUEST',
  FST_ERR_CTP_INVALID_TYPE: 'API_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'API_ERR_VALIDATION',
  FST_ERR_NOT_FOUND: 'API_ERR_ROUTE_NOT_FOUND',
  FST_ERR_BAD_URL: 'API_ERR_BAD_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'API_ERR_BAD_REQUEST',
};

/** The code for any other client error, by status (a library's own code never reaches a client). */
const BY_STATUS: Record<number, ErrorCode> = {
  400: 'API_ERR_BAD_REQUEST',
  401: 'API_ERR_UNAUTHORIZED',
  403: 'API_ERR_FORBIDDEN',
  404: 'API_ERR_NOT_FOUND',
  405: 'API_ERR_METHOD_NOT_ALLOWED',
  406: 'API_ERR_NOT_ACCEPTABLE',
  408: 'API_ERR_REQUEST_TIMEOUT',
  413: 'API_ERR_BODY_TOO_LARGE',
  415: 'API_ERR_UNSUPPORTED_MEDIA_TYPE',
  416: 'API_ERR_RANGE_NOT_SATISFIABLE',
  429: 'API_ERR_RATE_LIMITED',
  431: 'API_ERR_HEADERS_TOO_LARGE',
};

/** The stable code of a client error (4xx) raised by Fastify or a plugin. */
export function clientErrorCode(error: { code?: unknown; statusCode?: number }): ErrorCode {
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code && code in ERROR_CODES) return code as ErrorCode;
  if (code && FASTIFY_CODES[code]) return FASTIFY_CODES[code];
  return BY_STATUS[error.statusCode ?? 400] ?? 'API_ERR_BAD_REQUEST';
}

/** A standard message for a status whose error carries none worth showing. */
export function statusMessage(code: ErrorCode): string {
  return ERROR_CODES[code].meaning;
}
