import { LOG_DATASETS, LOG_FIELDS, logFields, sanitizeString } from '@app/audit';
import { trace } from '@opentelemetry/api';
import fp from 'fastify-plugin';
import { clientIp } from '../audit-port';

/**
 * One access-log line per request (Fastify's own request logging is off), in ECS field names
 * (docs in `LOGS.md`): `event.dataset: "access"`, `http.request.method`, `url.path` (no query
 * string: it may carry secrets), `http.route`, `http.response.status_code`, `event.duration`
 * (nanoseconds), `source.ip`, `user_agent.original`, plus Fastify's `reqId` and the trace ids.
 */
export default fp(
  async (fastify) => {
    // The server span records the raw User-Agent; a client can put anything there (tokens, seeds, C1
    // controls): the span gets the redacted, escaped value instead (OTel's user_agent.original).
    fastify.addHook('onRequest', async (request) => {
      const agent = request.headers['user-agent'];
      const span = trace.getActiveSpan();
      if (typeof agent === 'string' && span?.isRecording()) {
        span.setAttribute('user_agent.original', sanitizeString(agent, 512));
      }
    });
    fastify.addHook('onResponse', async (request, reply) => {
      const agent = request.headers['user-agent'];
      request.log.info(
        {
          [LOG_FIELDS.EVENT_KIND]: 'event',
          [LOG_FIELDS.EVENT_DATASET]: LOG_DATASETS.ACCESS,
          [LOG_FIELDS.EVENT_OUTCOME]: reply.statusCode < 400 ? 'success' : 'failure',
          ...logFields({
            method: request.method,
            urlPath: request.url.split('?')[0]!,
            route: request.routeOptions.url ?? 'unmatched',
            statusCode: reply.statusCode,
            durationMs: reply.elapsedTime,
            ip: clientIp(request),
            ...(typeof agent === 'string' ? { userAgent: agent.slice(0, 512) } : {}),
          }),
        },
        'request completed',
      );
    });
  },
  { name: 'access-log' },
);
