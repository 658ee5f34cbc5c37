import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppMetrics } from './types';

/** Options of {@link createHttpMetricsMiddleware}. */
export interface HttpMetricsMiddlewareOptions {
  /**
   * Returns the route template of a finished request (called when the response ends), or
   * `undefined` when no route matched. Default: Express's `req.baseUrl + req.route.path`.
   * Never return the raw URL: it would make one series per URL.
   */
  routeOf?: (req: IncomingMessage) => string | undefined;
  /** Returns true for requests to leave out (e.g. the metrics route); called when the response ends. */
  exclude?: (req: IncomingMessage) => boolean;
}

interface ExpressRequestFields {
  baseUrl?: string;
  route?: { path?: unknown };
}

/** Route template Express stored on the request once a route matched. */
export function expressRoute(req: IncomingMessage): string | undefined {
  const { baseUrl, route } = req as IncomingMessage & ExpressRequestFields;
  return typeof route?.path === 'string' ? `${baseUrl ?? ''}${route.path}` : undefined;
}

/**
 * Middleware for node:http and Express-style servers: `(req, res, next?)`. Counts the request in
 * flight and records it when the response has been sent, with the route from `routeOf`. Requests
 * whose client disconnects first are released from in-flight but not recorded.
 */
export function createHttpMetricsMiddleware(
  metrics: AppMetrics,
  options: HttpMetricsMiddlewareOptions = {},
): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void {
  const { http } = metrics;
  const routeOf = options.routeOf ?? expressRoute;
  const exclude = options.exclude;
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    http.start();
    // 'close' fires once for finished and aborted responses alike, so in-flight never leaks;
    // a response that never finished reached no client and is not recorded.
    res.once('close', () => {
      if (!res.writableFinished || exclude?.(req)) {
        http.abandon();
        return;
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      http.end(req.method ?? '', routeOf(req), res.statusCode, seconds);
    });
    next?.();
  };
}
