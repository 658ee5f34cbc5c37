import type { Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** What a query value is replaced with (the word the OpenTelemetry HTTP instrumentation uses). */
export const REDACTED = 'REDACTED';

/** URL attributes that can carry a query string: stable HTTP conventions, and the older ones. */
const URL_ATTRIBUTES = ['url.full', 'url.query', 'http.url', 'http.target'] as const;

/** A request target without its query string: `url.path` (a query string can carry tokens). */
export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** `a=1&token=s3cret&flag` → `a=REDACTED&token=REDACTED&flag`: the keys stay, no value does. */
function redactQueryString(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join('&');
}

/** A URL, a path with a query, or a bare query (`url.query`), with every query value redacted. */
export function redactQuery(value: string, bareQuery = false): string {
  if (bareQuery) return redactQueryString(value);
  const q = value.indexOf('?');
  if (q === -1) return value;
  const hash = value.indexOf('#', q);
  const query = hash === -1 ? value.slice(q + 1) : value.slice(q + 1, hash);
  return `${value.slice(0, q + 1)}${redactQueryString(query)}${hash === -1 ? '' : value.slice(hash)}`;
}

/**
 * Redacts the query values of a span's URL attributes (`url.full`, `url.query`, and the older
 * `http.url`, `http.target`), for the `requestHook` of the node:http and undici instrumentations:
 * a query string can carry a token or an API key, and secrets never reach a span. The query keys
 * stay, so `?page=REDACTED&token=REDACTED` still says what was asked. Does nothing to a span that
 * is not recorded.
 */
export function redactUrlAttributes(span: Span): void {
  if (!span.isRecording()) return;
  const attributes = (span as unknown as ReadableSpan).attributes;
  if (!attributes) return;
  for (const key of URL_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value === 'string' && (key === 'url.query' || value.includes('?'))) {
      span.setAttribute(key, redactQuery(value, key === 'url.query'));
    }
  }
}
