import type { FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
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

// Where onRequest leaves the route for onResponse: the template, UNMATCHED, or null (not counted).
const kRoute = Symbol('@app/metrics route');
const kConnection = Symbol('@app/metrics connection state');
const UNMATCHED = Symbol('unmatched');
type RouteMark = string | typeof UNMATCHED | null;

type MarkedRequest = FastifyRequest & { [kRoute]: RouteMark; [kConnection]: ConnectionState | null };

type Hook = (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) => void;

function withFirst<T>(hook: T, existing: T | T[] | undefined): T[] {
  if (existing === undefined) return [hook];
  return Array.isArray(existing) ? [hook, ...existing] : [hook, existing];
}

const plugin: FastifyPluginCallback<MetricsPluginOptions> = (fastify, options, done) => {
  const { http } = options.metrics;
  const excluded = routeExclusion(options.excludeRoutes, options.endpoint);
  fastify.decorateRequest(kRoute, null);
  fastify.decorateRequest(kConnection, null);

  const connectionOf = connectionTracker(() => http.abandon());

  const begin = (request: MarkedRequest, mark: string | typeof UNMATCHED): void => {
    request[kRoute] = mark;
    const connection = connectionOf(request.raw);
    if (connection !== null) connection.inFlight++;
    request[kConnection] = connection;
    http.start();
  };

  const finish = (request: MarkedRequest, reply: FastifyReply, route: string | undefined): void => {
    const connection = request[kConnection];
    if (connection !== null) {
      if (connection.closed) return; // already abandoned when its connection closed
      connection.inFlight--;
    }
    http.end(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  };

  // Matched routes get their own hooks when they are registered, with the template bound, so a
  // request costs no route lookup: request.routeOptions builds an object and asks the router
  // about constraint strategies on every access.
  fastify.addHook('onRoute', (route) => {
    if (route.config?.metrics === false) return;
    const url = route.url;
    if (url === undefined) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const skip = new Set(methods.filter((method) => excluded(url, method)));
    if (skip.size === methods.length) return;
    const onRequest: Hook = (request, _reply, next) => {
      if (skip.size === 0 || !skip.has(request.method)) begin(request as MarkedRequest, url);
      next();
    };
    const onResponse: Hook = (request, reply, next) => {
      if ((request as MarkedRequest)[kRoute] === url) finish(request as MarkedRequest, reply, url);
      next();
    };
    route.onRequest = withFirst(onRequest, route.onRequest as Hook | Hook[] | undefined) as typeof route.onRequest;
    route.onResponse = withFirst(onResponse, route.onResponse as Hook | Hook[] | undefined) as typeof route.onResponse;
  });

  // Requests that matched no route (the 404 handler), and routes registered before this plugin.
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, next: HookHandlerDoneFunction) => {
    if (request.is404) begin(request as MarkedRequest, UNMATCHED);
    next();
  });

  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) => {
    const mark = (request as MarkedRequest)[kRoute];
    if (mark === UNMATCHED) {
      finish(request as MarkedRequest, reply, undefined);
    } else if (mark === null) {
      // No route hook ran: an excluded route, a route registered before this plugin, or an
      // onRequest hook registered earlier answered first. Record unless excluded; nothing to end.
      const route = request.routeOptions;
      if (route.config?.metrics !== false && !(route.url !== undefined && excluded(route.url, request.method))) {
        http.record(request.method, route.url, reply.statusCode, reply.elapsedTime / 1000);
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
