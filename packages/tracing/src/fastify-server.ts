import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyError, FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { pathOnly } from './redact';
import {
  ABORTED_STATUS_MESSAGE,
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  ERROR_TYPE_ABORTED,
  FASTIFY_SCOPE,
} from './semconv';

/** Version of the instrumentation scope: this package's version (`unknown` in a bundle without package.json). */
const VERSION = packageVersion();

function packageVersion(): string {
  try {
    return (require('../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
/** Fastify's diagnostics channel, published at the end of `fastify()` with `{ fastify }`. */
const INITIALIZATION_CHANNEL = 'fastify.initialization';

/** Per-request state of a recorded server span: the span and the error a handler or hook raised. */
interface Recording {
  span: Span;
  error: Error | undefined;
}

/** The HTTP methods the semantic conventions know (RFC 9110 and PATCH); any other is `_OTHER`. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);
const METHOD_OTHER = '_OTHER';

const kRecording = Symbol('@app/tracing server span');
const kInstrumented = Symbol.for('@app/tracing.fastify-instrumented');

/**
 * `null` until this package's hook has run for the request, then the {@link Recording} of a
 * recorded span or `false`: a second hook of ours (the plugin registered in a child context, then
 * on its parent) leaves the request alone instead of making a second span under the first.
 */
type TracedRequest = FastifyRequest & { [kRecording]: Recording | false | null };

export interface FastifyServerConfig extends InstrumentationConfig {
  /** Request paths (without the query string) that get no span and no trace context. */
  ignorePaths?: readonly string[];
  /**
   * Makes a context active for the rest of the current synchronous execution (the context
   * manager's `attach`, `AsyncLocalStorage.enterWith` underneath): used to run a pipelined
   * request's 'finish' listeners in its own context. Without it they run in the context of the
   * request before it on the connection.
   */
  attachContext?: (context: Context) => void;
}

/**
 * The SERVER span of every Fastify request, made by one `onRequest` hook (plus an `onError` hook,
 * which Fastify runs only for requests that fail), for `serverSpans: 'fastify'` without hook spans.
 *
 * It replaces `@fastify/otel` on the default path because every request pays for that plugin,
 * sampled or not: three hooks, three `request.routeOptions` objects, a propagation extract and an
 * attribute object per request (about 7 µs of CPU per unsampled request on the benchmark of the
 * README). Here an unsampled request costs the hook, the sampling decision and the context switch:
 * - The incoming context (W3C `traceparent`/`baggage`, or whatever propagator is installed) is
 *   extracted only when one of the propagator's headers is present.
 * - The span is started through the tracer provider, so an unsampled span is the fast path's
 *   non-recording span (unsampled-path.ts) and only a sampled one reaches the SDK.
 * - The span is made active (`context.with`) for the rest of the request's lifecycle, so child
 *   spans, `traceparent` on outgoing calls (flags `00` for an unsampled request, so a parent-based
 *   sampler downstream does not sample either) and log correlation work as before.
 * Everything else happens only for a recorded span: the `{method} {route}` name (`{method}` when
 * no route matched), the HTTP server attributes of the stable semantic conventions
 * (`http.request.method`, `http.route`, `url.path` without the query, `url.scheme`,
 * `server.address`, `server.port`, `client.address` as Fastify resolves it with `trustProxy`,
 * `network.protocol.version`, `user_agent.original`), and the end of the span when the response
 * closes (`ServerResponse` 'close'):
 * - finished: `http.response.status_code`; a 5xx also sets status ERROR (with the message of the
 *   error a handler or hook raised, if any) and `error.type` to the status code, as the HTTP
 *   semantic conventions ask for a response that was sent;
 * - closed before it finished (the client went away): `error.type=aborted`, status ERROR, no
 *   status code; the same test `@app/metrics` makes to leave such a request out.
 * An error a handler or hook raised is recorded as an `exception` event whatever the status;
 * per the semantic conventions a 4xx does not set the span status of a SERVER span.
 *
 * The span starts in `onRequest`, after routing, so Fastify's own "incoming request" log line has
 * no trace id (`serverSpans: 'http'` covers it, at a higher cost).
 */
export class FastifyServerInstrumentation implements Instrumentation<FastifyServerConfig> {
  readonly instrumentationName = FASTIFY_SCOPE;
  readonly instrumentationVersion = VERSION;
  private config: FastifyServerConfig;
  private tracer: Tracer;
  private enabled = false;
  private readonly onInitialization = (message: unknown) => {
    const instance = (message as { fastify?: FastifyInstance }).fastify;
    if (instance) this.instrument(instance);
  };

  constructor(config: FastifyServerConfig = {}) {
    this.config = { enabled: true, ...config };
    this.tracer = trace.getTracer(FASTIFY_SCOPE, VERSION);
    if (this.config.enabled !== false) this.enable();
  }

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    subscribe(INITIALIZATION_CHANNEL, this.onInitialization);
  }

  /** New Fastify instances are no longer instrumented; instances already instrumented stop making spans. */
  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    unsubscribe(INITIALIZATION_CHANNEL, this.onInitialization);
  }

  setTracerProvider(provider: TracerProvider): void {
    this.tracer = provider.getTracer(FASTIFY_SCOPE, VERSION);
  }

  setMeterProvider(): void {}

  setConfig(config: FastifyServerConfig): void {
    this.config = { ...this.config, ...config };
  }

  getConfig(): FastifyServerConfig {
    return this.config;
  }

  /**
   * A plugin that instruments the instance it is registered on (and its children), for an instance
   * created before tracing started. Harmless on an instance already instrumented.
   */
  plugin(): FastifyPluginCallback {
    const plugin: FastifyPluginCallback = (instance, _opts, done) => {
      this.instrument(instance);
      done();
    };
    return Object.assign(plugin, {
      [Symbol.for('skip-override')]: true,
      [Symbol.for('fastify.display-name')]: FASTIFY_SCOPE,
    });
  }

  private instrument(instance: FastifyInstance): void {
    const holder = instance as unknown as Record<symbol, boolean>;
    if (holder[kInstrumented]) return;
    holder[kInstrumented] = true;
    const ignored = new Set(this.config.ignorePaths ?? []);
    const fields = propagation.fields();
    const attach = this.config.attachContext;
    instance.decorateRequest(kRecording as unknown as string, null);

    const onRequest = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      if (
        !this.enabled ||
        (request as TracedRequest)[kRecording] !== null ||
        (ignored.size > 0 && ignored.has(pathOnly(request.url)))
      ) {
        done();
        return;
      }
      let parent = context.active();
      if (trace.getSpan(parent) === undefined) {
        const headers = request.headers;
        for (const field of fields) {
          if (headers[field] !== undefined) {
            parent = propagation.extract(parent, headers);
            break;
          }
        }
      }
      const span = this.tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent);
      if (span.isRecording()) record(span, request as TracedRequest, reply);
      else (request as TracedRequest)[kRecording] = false;
      const active = trace.setSpan(parent, span);
      // A pipelined request's response waits behind the one before it (no socket yet), and Node
      // emits its 'finish' from that one's write, so in the context of the request before: its
      // onResponse hooks, @app/metrics exemplars and Fastify's "request completed" line would
      // carry the other request's trace id. A first 'finish' listener puts its own context back.
      if (attach && reply.raw.socket === null) reply.raw.prependListener('finish', () => attach(active));
      context.with(active, done);
    };

    const onError = (request: FastifyRequest, _reply: FastifyReply, error: FastifyError, done: () => void): void => {
      const recording = (request as TracedRequest)[kRecording];
      if (recording) {
        recording.error = error;
        recording.span.recordException(error);
      }
      done();
    };

    instance.addHook('onRequest', onRequest);
    instance.addHook('onError', onError);
  }
}

/** Names the recorded span, sets its request attributes and ends it when the response closes. */
function record(span: Span, request: TracedRequest, reply: FastifyReply): void {
  const route = request.routeOptions.url;
  const method = request.method;
  const known = KNOWN_METHODS.has(method);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: known ? method : METHOD_OTHER,
    [ATTR_URL_PATH]: pathOnly(request.url),
    [ATTR_URL_SCHEME]: request.protocol,
    [ATTR_CLIENT_ADDRESS]: request.ip,
    // The conventions write HTTP/2 as `2`; Node says `2.0`.
    [ATTR_NETWORK_PROTOCOL_VERSION]: request.raw.httpVersion === '2.0' ? '2' : request.raw.httpVersion,
  };
  if (!known) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  // `{method} {route}`, `{method}` without a route, and `HTTP` for a method outside the known set.
  const name = known ? method : 'HTTP';
  if (route) {
    span.updateName(`${name} ${route}`);
    attributes[ATTR_HTTP_ROUTE] = route;
  } else if (!known) span.updateName(name);
  // From the Host header (or :authority): left out when absent, a port only when it is one.
  const hostname = request.hostname;
  if (hostname) attributes[ATTR_SERVER_ADDRESS] = hostname;
  const port = request.port;
  if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535)
    attributes[ATTR_SERVER_PORT] = port;
  const userAgent = request.headers['user-agent'];
  if (userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  span.setAttributes(attributes);
  const recording: Recording = { span, error: undefined };
  request[kRecording] = recording;
  const res = reply.raw;
  // The client may be gone already, when this hook runs after another one that waited (an async
  // onRequest hook registered before fastifyOtelPlugin()): 'close' was emitted and will not be again.
  if (closed(res)) end(recording, res);
  else res.once('close', () => end(recording, res));
}

/** Whether the response has closed: `ServerResponse.closed`, or the stream of an HTTP/2 response. */
function closed(res: ServerResponse): boolean {
  return res.closed === true || (res as { stream?: { closed?: boolean } }).stream?.closed === true;
}

/**
 * Whether the whole response was handed over before it closed: `end()` was called
 * (`writableEnded`; an HTTP/2 response, `Http2ServerResponse`, reports `writableFinished` once its
 * stream is destroyed, even when the client reset the stream before `end()`) and it was flushed
 * (`writableFinished`). A node:http response that closes unflushed is `closed` (its socket went
 * away); `app.inject()`'s response (light-my-request) never reports `writableFinished` and is not
 * `closed` when it emits 'close'.
 */
function finished(res: ServerResponse): boolean {
  return res.writableEnded && (res.writableFinished || !res.closed);
}

function end({ span, error }: Recording, res: ServerResponse): void {
  if (!finished(res)) {
    span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_ABORTED);
    span.setStatus({ code: SpanStatusCode.ERROR, message: ABORTED_STATUS_MESSAGE });
  } else {
    const status = res.statusCode;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      span.setStatus(error ? { code: SpanStatusCode.ERROR, message: error.message } : { code: SpanStatusCode.ERROR });
    }
  }
  span.end();
}
