import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { negotiateFormat } from './accept';
import { serializeRegistry } from './format';
import { getOrCreateCounter } from './get-or-create';
import { LABEL_NAMES, METRIC_NAMES, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './names';
import type { MetricsHandlerOptions } from './types';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function warnOncePerMetric(): (error: unknown, metricName: string) => void {
  const warned = new Set<string>();
  return (error, metricName) => {
    if (warned.has(metricName)) return;
    warned.add(metricName);
    const reason = error instanceof Error ? error.message : String(error);
    process.emitWarning(`Collecting metric "${metricName}" failed; it is left out of scrapes: ${reason}`, {
      code: 'METRICS_ERR_COLLECT_FAILED',
    });
  };
}

/**
 * A request handler serving `registry` for Prometheus: GET/HEAD only, the text format or
 * OpenMetrics by Accept negotiation, optional bearer token. It never throws or rejects: a metric
 * whose collect callback fails is reported (`metrics_collect_errors_total{metric}` and
 * `onCollectError`) and left out, and any other failure answers 500.
 */
export function createMetricsHandler(
  registry: Registry,
  options: MetricsHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Comparing digests keeps the comparison constant-time whatever the header length.
  const expected = options.bearerToken ? digest(`Bearer ${options.bearerToken}`) : undefined;
  const report = options.onCollectError ?? warnOncePerMetric();
  const collectErrors = getOrCreateCounter<'metric'>(registry, {
    name: METRIC_NAMES.collectErrorsTotal,
    help: 'Scrapes in which a metric was left out because its collect callback failed, by metric.',
    labelNames: [LABEL_NAMES.metric],
  });
  const onFailure = (error: unknown, metricName: string): void => {
    collectErrors.inc({ metric: metricName });
    try {
      report(error, metricName);
    } catch {
      // A failing reporter must not fail the scrape.
    }
  };
  const late = new Set<unknown>([collectErrors]);

  return async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Method Not Allowed\n');
        return;
      }
      if (expected !== undefined) {
        const given = req.headers.authorization;
        if (given === undefined || !timingSafeEqual(digest(given), expected)) {
          res.writeHead(401, {
            'WWW-Authenticate': 'Bearer realm="metrics"',
            'Content-Type': 'text/plain; charset=utf-8',
          });
          res.end('Unauthorized\n');
          return;
        }
      }
      const format = negotiateFormat(req.headers.accept);
      const body = await serializeRegistry(registry, format, onFailure, late);
      res.writeHead(200, {
        'Content-Type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
        Vary: 'Accept',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      try {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Metrics are unavailable\n');
      } catch {
        // The connection is gone; nothing left to answer.
      }
    }
  };
}
