import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { negotiateFormat } from './accept';
import { invalidOptionError } from './errors';
import { type ExpositionSink, writeExposition } from './format';
import { getOrCreateCounter } from './get-or-create';
import { LABEL_NAMES, METRIC_NAMES, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './names';
import type { MetricsHandlerOptions } from './types';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Default of `collectTimeoutMs`: the longest a scrape waits for collect callbacks, in ms. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 5_000;
/** Share of the scraper's timeout (`X-Prometheus-Scrape-Timeout-Seconds`) given to collect callbacks. */
export const COLLECT_SHARE_OF_SCRAPE_TIMEOUT = 0.75;

/**
 * Milliseconds collect callbacks may take in one scrape: `collectTimeoutMs`, or less when the
 * scraper says it gives up sooner (three quarters of its timeout; the rest is left for writing).
 */
export function collectBudgetMs(scrapeTimeoutHeader: string | string[] | undefined, collectTimeoutMs: number): number {
  const raw = Array.isArray(scrapeTimeoutHeader) ? scrapeTimeoutHeader[0] : scrapeTimeoutHeader;
  const seconds = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) return collectTimeoutMs;
  return Math.min(collectTimeoutMs, seconds * 1000 * COLLECT_SHARE_OF_SCRAPE_TIMEOUT);
}

/** Writes to the response as the exposition is produced, with backpressure; headers go with the first chunk. */
function responseSink(res: ServerResponse, sendHeaders: () => void): ExpositionSink {
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  return {
    get closed() {
      return closed;
    },
    write(chunk, release) {
      if (closed) return;
      sendHeaders();
      // The chunk's memory is reused once the socket has written it; after a failed write it is
      // left to the GC, since the socket may not be done with it.
      if (res.write(chunk, (error) => error || release())) return;
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
  };
}

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
 * OpenMetrics by Accept negotiation, optional bearer token. The body is streamed (chunked) as it
 * is rendered, yielding to the event loop about every millisecond between series, so a large registry
 * never blocks other requests for long.
 *
 * It never throws or rejects: a metric whose collect callback fails, or is still running when the
 * collect budget is spent (see {@link collectBudgetMs}), is reported
 * (`metrics_collect_errors_total{metric}` and `onCollectError`) and left out, and the rest is
 * served. Any other failure answers 500, or cuts the connection when part of the body was already
 * sent, so that a scraper never takes a truncated body for a whole one.
 *
 * Throws `METRICS_ERR_INVALID_OPTION` when `collectTimeoutMs` is not a positive number.
 */
export function createMetricsHandler(
  registry: Registry,
  options: MetricsHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Comparing digests keeps the comparison constant-time whatever the header length.
  const expected = options.bearerToken ? digest(`Bearer ${options.bearerToken}`) : undefined;
  const report = options.onCollectError ?? warnOncePerMetric();
  const collectTimeoutMs = options.collectTimeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
  if (!(typeof collectTimeoutMs === 'number' && collectTimeoutMs > 0 && Number.isFinite(collectTimeoutMs))) {
    throw invalidOptionError('collectTimeoutMs', `expected a positive number of milliseconds, got ${collectTimeoutMs}`);
  }
  const collectErrors = getOrCreateCounter<'metric'>(registry, {
    name: METRIC_NAMES.collectErrorsTotal,
    help: 'Scrapes in which a metric was left out because its collect callback failed or outlived the scrape budget, by metric.',
    labelNames: [LABEL_NAMES.metric],
  });
  // Failures are reported before anything is written, so the counter includes this scrape.
  const onFailure = (error: unknown, metricName: string): void => {
    collectErrors.inc({ metric: metricName });
    try {
      report(error, metricName);
    } catch {
      // A failing reporter must not fail the scrape.
    }
  };

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
      const sendHeaders = (): void => {
        if (res.headersSent) return;
        res.writeHead(200, {
          'Content-Type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
          'Cache-Control': 'no-store',
          Vary: 'Accept',
        });
      };
      if (req.method === 'HEAD') {
        sendHeaders();
        res.end();
        return;
      }
      await writeExposition(registry, responseSink(res, sendHeaders), {
        format,
        onFailure,
        collectBudgetMs: collectBudgetMs(req.headers['x-prometheus-scrape-timeout-seconds'], collectTimeoutMs),
      });
      sendHeaders();
      res.end();
    } catch {
      try {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Metrics are unavailable\n');
      } catch {
        // The connection is gone; nothing left to answer.
      }
    }
  };
}
