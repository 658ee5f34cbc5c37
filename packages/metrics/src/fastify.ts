import type { FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { createMetricsHandler } from './metrics-handler';
import type { AppMetrics } from './types';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` leaves this route out of the HTTP metrics. */
    metrics?: boolean;
  }
}

/** Options of the Fastify plugin. */
export interface MetricsPluginOptions {
  /** The metric set from `createMetrics()`. */
  metrics: AppMetrics;
  /** Route templates (e.g. `/health`) or a predicate on (template, method) left out of the HTTP metrics. */
  excludeRoutes?: readonly string[] | ((route: string, method: string) => boolean);
  /** When set, serves the registry at this path (GET/HEAD), itself left out of the HTTP metrics. Default: no route. */
  endpoint?: string;
  /** Bearer token required by `endpoint`. */
  bearerToken?: string;
}

function exclusion(options: MetricsPluginOptions): (route: string, method: string) => boolean {
  const { excludeRoutes, endpoint } = options;
  if (typeof excludeRoutes === 'function') {
    const decided = new Map<string, boolean>();
    return (route, method) => {
      const key = `${method} ${route}`;
      let excluded = decided.get(key);
      if (excluded === undefined) {
        excluded = route === endpoint || excludeRoutes(route, method);
        decided.set(key, excluded);
      }
      return excluded;
    };
  }
  const routes = new Set(excludeRoutes ?? []);
  if (endpoint) routes.add(endpoint);
  return (route) => routes.has(route);
}

// Where onRequest leaves its decision for onResponse: the route template, UNMATCHED or SKIP.
const kRoute = Symbol('@app/metrics route');
const kConnection = Symbol('@app/metrics connection');
const UNMATCHED = Symbol('unmatched');
const SKIP = Symbol('skip');
type RouteMark = string | typeof UNMATCHED | typeof SKIP | null;

/** Requests in flight on one connection; they are abandoned if it closes before they finish. */
interface ConnectionState {
  inFlight: number;
  closed: boolean;
}

type MarkedRequest = FastifyRequest & { [kRoute]: RouteMark; [kConnection]: ConnectionState | null };
type TrackedSocket = { [kConnection]?: ConnectionState; once?: (event: 'close', listener: () => void) => unknown };

const plugin: FastifyPluginCallback<MetricsPluginOptions> = (fastify, options, done) => {
  const { http } = options.metrics;
  const excluded = exclusion(options);
  fastify.decorateRequest(kRoute, null);
  fastify.decorateRequest(kConnection, null);

  // Fastify runs no onResponse hook for a request whose client went away first. Watching the
  // connection (one listener per connection, not per request as an onRequestAbort hook would
  // add) releases those requests from in-flight. They are not recorded: no response was sent.
  const connectionOf = (request: FastifyRequest): ConnectionState | null => {
    const socket = request.raw.socket as unknown as TrackedSocket | null;
    if (!socket || typeof socket.once !== 'function') return null;
    let state = socket[kConnection];
    if (state === undefined) {
      const created: ConnectionState = { inFlight: 0, closed: false };
      socket[kConnection] = created;
      socket.once('close', () => {
        created.closed = true;
        for (; created.inFlight > 0; created.inFlight--) http.abandon();
      });
      state = created;
    }
    return state;
  };

  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, next: HookHandlerDoneFunction) => {
    // Read once per request: the routeOptions getter builds a new object on every access.
    const route = request.routeOptions;
    const url = route.url;
    let mark: RouteMark;
    if (url === undefined) mark = UNMATCHED;
    else if (route.config?.metrics === false || excluded(url, request.method)) mark = SKIP;
    else mark = url;
    const marked = request as MarkedRequest;
    marked[kRoute] = mark;
    if (mark !== SKIP) {
      const connection = connectionOf(request);
      if (connection !== null) connection.inFlight++;
      marked[kConnection] = connection;
      http.start();
    }
    next();
  });

  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) => {
    const marked = request as MarkedRequest;
    const mark = marked[kRoute];
    if (mark === SKIP) return next();
    const seconds = reply.elapsedTime / 1000;
    if (mark === null) {
      // An onRequest hook registered before this plugin answered first: record, nothing to end.
      const route = request.routeOptions;
      if (route.config?.metrics !== false && !(route.url !== undefined && excluded(route.url, request.method))) {
        http.record(request.method, route.url, reply.statusCode, seconds);
      }
      return next();
    }
    const connection = marked[kConnection];
    if (connection !== null) {
      // Already abandoned when its connection closed.
      if (connection.closed) return next();
      connection.inFlight--;
    }
    http.end(request.method, mark === UNMATCHED ? undefined : mark, reply.statusCode, seconds);
    next();
  });

  if (options.endpoint) {
    const handler = createMetricsHandler(options.metrics.registry, { bearerToken: options.bearerToken });
    fastify.get(options.endpoint, { config: { metrics: false } }, async (request, reply) => {
      reply.hijack();
      await handler(request.raw, reply.raw);
    });
  }
  done();
};

/**
 * Fastify 5 plugin recording `http_request_duration_seconds`, `http_requests_total` and
 * `http_requests_in_flight` for every route, labelled with the matched route template
 * (`request.routeOptions.url`); unmatched requests share one route value. Opt a route out with
 * `config: { metrics: false }` or `excludeRoutes`.
 */
export const metricsPlugin = fp(plugin, { fastify: '5.x', name: '@app/metrics' });
export default metricsPlugin;
