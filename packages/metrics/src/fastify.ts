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

const plugin: FastifyPluginCallback<MetricsPluginOptions> = (fastify, options, done) => {
  const { http } = options.metrics;
  const excluded = exclusion(options);

  fastify.addHook('onRequest', (_request: FastifyRequest, _reply: FastifyReply, next: HookHandlerDoneFunction) => {
    http.start();
    next();
  });

  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) => {
    // Read once: the routeOptions getter builds a new object on every access.
    const route = request.routeOptions;
    const url = route.url;
    if (route.config?.metrics === false || (url !== undefined && excluded(url, request.method))) {
      http.abandon();
    } else {
      http.end(request.method, url, reply.statusCode, reply.elapsedTime / 1000);
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
