/** Stable codes of the errors a caller of `@app/tracing` can cause. */
export const ERROR_CODES = {
  /** An option or `OTEL_*` variable has a value this package does not support. */
  INVALID_OPTION: 'TRACING_ERR_INVALID_OPTION',
} as const;

export type TracingErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** An error a caller can fix; `code` is stable, `message` says what to change. */
export class TracingError extends Error {
  readonly code: TracingErrorCode;

  constructor(code: TracingErrorCode, message: string) {
    super(message);
    this.name = 'TracingError';
    this.code = code;
  }
}

export function invalidOption(name: string, value: string, expected: string): TracingError {
  return new TracingError(
    ERROR_CODES.INVALID_OPTION,
    `${name}=${JSON.stringify(value)} is not supported; expected ${expected}`,
  );
}
