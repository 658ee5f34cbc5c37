import { type Attributes, type Span, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { FastifyRequest } from 'fastify';
import { pathOnly } from './redact';
import {
  ABORTED_STATUS_MESSAGE,
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  ERROR_TYPE_ABORTED,
} from './semconv';

/**
 * Marks and ends the span of a request whose client went away before the response was sent (the
 * same test Fastify makes for `onRequestAbort`: the request's `close` with `aborted` set). Without
 * it `@fastify/otel` would end the span later in `onSend` with the status code the handler chose,
 * although no response reached anyone; `@app/metrics` leaves such requests out for the same reason.
 * The span gets `error.type=aborted`, status ERROR, and no `http.response.status_code`; it ends at
 * the abort (work the handler still does shows as child spans ending after it, and the later
 * `onSend` of `@fastify/otel` finds it ended and changes nothing).
 */
function endOnAbort(span: Span, request: FastifyRequest): void {
  const raw = request.raw;
  const mark = (): void => {
    if (!raw.aborted || !span.isRecording()) return;
    span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_ABORTED);
    span.setStatus({ code: SpanStatusCode.ERROR, message: ABORTED_STATUS_MESSAGE });
    span.end();
  };
  // The client may have gone already (its request and its close read in one go).
  if (raw.aborted) mark();
  else raw.once('close', mark);
}

/**
 * `requestHook` of `@fastify/otel`. Always: `url.path` without the query string
 * (`@fastify/otel` records the raw URL, and query strings can carry tokens).
 * When its span is the SERVER span (`serverSpans: 'fastify'`): the
 * `{method} {route}` name and the HTTP server attributes the node:http
 * instrumentation would have recorded, and the abort marking of {@link endOnAbort}. Skipped for
 * unsampled spans.
 */
export function fastifyRequestHook(asServerSpan: boolean) {
  return (span: Span, request: FastifyRequest): void => {
    if (!span.isRecording()) return;
    const attributes: Attributes = { [ATTR_URL_PATH]: pathOnly(request.url) };
    if (asServerSpan) {
      const route = request.routeOptions.url;
      span.updateName(route ? `${request.method} ${route}` : request.method);
      attributes[ATTR_HTTP_REQUEST_METHOD] = request.method;
      attributes[ATTR_URL_SCHEME] = request.protocol;
      attributes[ATTR_SERVER_ADDRESS] = request.hostname;
      if (request.port) attributes[ATTR_SERVER_PORT] = request.port;
      attributes[ATTR_CLIENT_ADDRESS] = request.ip;
      attributes[ATTR_NETWORK_PROTOCOL_VERSION] = request.raw.httpVersion;
      const userAgent = request.headers['user-agent'];
      if (userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
    }
    span.setAttributes(attributes);
    endOnAbort(span, request);
  };
}
