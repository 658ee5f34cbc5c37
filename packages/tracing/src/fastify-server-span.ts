import type { Attributes, Span } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { FastifyRequest } from 'fastify';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from './semconv';

function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * `requestHook` of `@fastify/otel`. Always: `url.path` without the query string
 * (`@fastify/otel` records the raw URL, and query strings can carry tokens).
 * When its span is the SERVER span (`serverSpans: 'fastify'`): the
 * `{method} {route}` name and the HTTP server attributes the node:http
 * instrumentation would have recorded. Skipped for unsampled spans.
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
  };
}
