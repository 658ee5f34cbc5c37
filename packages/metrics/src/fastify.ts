import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import fp from 'fastify-plugin';
import { type ConnectionState, connectionTracker } from './connection-tracker';
import { createMetricsHandler } from './metrics-handler';
import { routeExclusion } from './route-exclusion';
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

// Where the route handler leaves the route for onResponse: the template, or null when no wrapped
// handler ran (an unmatched URL, an excluded route, a reply sent by an earlier hook).
const kRoute = Symbol('@app/metrics route');
const kConnection = Symbol('@app/metrics connection state');

type MarkedRequest = FastifyRequest & { [kRoute]: string | null; [kConnection]: ConnectionState | null };

type Handler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;

const plugin: FastifyPluginCallback<MetricsPluginOptions> = (fastify, options, done) => {
  const { http } = options.metrics;
  const excluded = routeExclusion(options.excludeRoutes, options.endpoint);
  fastify.decorateRequest(kRoute, null);
  fastify.decorateRequest(kConnection, null);

  const connectionOf = connectionTracker(() => http.abandon());

  // Every Fastify hook type a request meets costs a hook runner (three closures and a call per
  // hook), which is most of what an integration adds to a request. So a matched request meets one
  // onResponse hook and nothing else: the route's handler is wrapped when the route is registered,
  // with the template bound, and counts the request in flight. That also spares
  // request.routeOptions, which builds an object and asks the router about constraint strategies.
  fastify.addHook('onRoute', (route) => {
    if (route.config?.metrics === false) return;
    const url = route.url;
    if (url === undefined) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const skip = new Set(methods.filter((method) => excluded(url, method)));
    if (skip.size === methods.length) return;
    const handler = route.handler as Handler;
    route.handler = function metricsHandler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      // Null also when the handler runs again (a HEAD route built from this one, callNotFound).
      if ((request as MarkedRequest)[kRoute] === null && (skip.size === 0 || !skip.has(request.method))) {
        const marked = request as MarkedRequest;
        marked[kRoute] = url;
        const connection = connectionOf(request.raw);
        if (connection !== null) connection.inFlight++;
        marked[kConnection] = connection;
        http.start();
      }
      return handler.call(this, request, reply);
    } as typeof route.handler;
  });

  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) => {
    const route = (request as MarkedRequest)[kRoute];
    if (route !== null) {
      const connection = (request as MarkedRequest)[kConnection];
      if (connection === null) {
        http.end(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      } else if (!connection.closed) {
        // A closed connection already abandoned this request.
        connection.inFlight--;
        http.end(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      }
    } else if (request.is404) {
      http.record(request.method, undefined, reply.statusCode, reply.elapsedTime / 1000);
    } else {
      // No wrapped handler ran: an excluded route, a route registered before this plugin, or a
      // hook answered first. Record unless excluded; nothing is in flight.
      const options = request.routeOptions;
      if (options.config?.metrics !== false && !(options.url !== undefined && excluded(options.url, request.method))) {
        http.record(request.method, options.url, reply.statusCode, reply.elapsedTime / 1000);
      }
    }
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
