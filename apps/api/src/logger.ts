import { redactLogLine } from '@app/audit';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The service's pino logger: JSON lines at `level`, Authorization headers and `*.secret` /
 * `*.token` fields censored, and every line passed through `redactLogLine` (secrets in any
 * string, control characters escaped). `destination` defaults to stdout (tests pass a sink).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: ['req.headers.authorization', '*.secret', '*.token'], censor: '[REDACTED]' },
    // Every line, whatever logged it: secrets redacted in every string, C1/bidi/separators escaped.
    hooks: { streamWrite: redactLogLine },
  };
  return destination ? pino(options, destination) : pino(options);
}
