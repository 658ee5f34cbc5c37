/** Stable codes of the errors a caller of `@app/metrics` can cause. */
export const ERROR_CODES = {
  metricConflict: 'METRICS_ERR_CONFLICT',
  invalidOption: 'METRICS_ERR_INVALID_OPTION',
  invalidName: 'METRICS_ERR_INVALID_NAME',
  /** A collect callback was still running when the scrape's collect budget ran out (not thrown: passed to `onCollectError`). */
  collectTimeout: 'METRICS_ERR_COLLECT_TIMEOUT',
} as const;

export type MetricsErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** An error a caller caused; `code` is stable across releases. */
export class MetricsError extends Error {
  readonly code: MetricsErrorCode;

  constructor(code: MetricsErrorCode, message: string) {
    super(message);
    this.name = 'MetricsError';
    this.code = code;
  }
}

/** A metric of that name exists with another type, label names or buckets. */
export function conflictError(name: string, detail: string): MetricsError {
  return new MetricsError(ERROR_CODES.metricConflict, `Metric "${name}" is already registered ${detail}`);
}

export function invalidOptionError(option: string, detail: string): MetricsError {
  return new MetricsError(ERROR_CODES.invalidOption, `Invalid option "${option}": ${detail}`);
}

export function invalidNameError(name: string, detail: string): MetricsError {
  return new MetricsError(ERROR_CODES.invalidName, `Invalid metric name "${name}": ${detail}`);
}

/** The error passed to `onCollectError` for a collect callback that outlived the scrape's budget. */
export function collectTimeoutError(metricName: string, budgetMs: number): MetricsError {
  return new MetricsError(
    ERROR_CODES.collectTimeout,
    `Collecting metric "${metricName}" took longer than the scrape's collect budget of ${Math.round(budgetMs)} ms`,
  );
}
