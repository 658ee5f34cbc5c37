/** An error a caller can cause: a stable code, an HTTP status and a clear message. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

function define(code: string, statusCode: number, message: string) {
  return (detail?: string) => new AppError(code, statusCode, detail ? `${message}: ${detail}` : message);
}

export const ERR_CONFIG = (message: string) => new AppError('API_ERR_CONFIG', 500, message);
export const ERR_UNAUTHORIZED = define('API_ERR_UNAUTHORIZED', 401, 'authentication failed');
export const ERR_FORBIDDEN = define('API_ERR_FORBIDDEN', 403, 'this resource belongs to another user');
export const ERR_NOT_FOUND = define('API_ERR_NOT_FOUND', 404, 'not found');
export const ERR_CONFLICT = define('API_ERR_CONFLICT', 409, 'conflict');
export const ERR_ALREADY_CLAIMED = define('API_ERR_REWARD_ALREADY_CLAIMED', 409, 'one reward per learner and quiz');
export const ERR_NOT_PASSED = define('API_ERR_NOT_PASSED', 422, 'the submission did not pass the quiz');
export const ERR_COURSE_INCOMPLETE = define('API_ERR_COURSE_INCOMPLETE', 422, 'not every quiz of the course is passed');
export const ERR_AUTH_STORE_DOWN = define(
  'API_ERR_AUTH_STORE_UNAVAILABLE',
  503,
  'sign-in is unavailable: the nonce store (Redis) cannot be reached; other routes still work',
);
export const ERR_DB_DOWN = define('API_ERR_DATABASE_UNAVAILABLE', 503, 'the database cannot be reached; retry shortly');
