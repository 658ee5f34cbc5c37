import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseDown } from '../db/health';
import { AppError, clientErrorCode, statusMessage } from '../errors';
import { type ErrorEnvelope, errorSchema } from '../schemas';

/** Neutral messages for client errors raised by plugins (static files), whose own may name paths. */
const GENERIC: Record<number, string> = { 403: 'this path is refused', 404: 'not found' };

/** Fastify's own messages are safe to show (they name the problem, never a path or a value). */
const showsOwnMessage = (code: unknown) => typeof code === 'string' && code.startsWith('FST_');

/**
 * One JSON error shape for every failure: `{ statusCode, code, message }` with a stable
 * `API_ERR_*` code from `ERROR_CODES` (plus `details` on validation errors). Fastify's and the
 * plugins' client errors (invalid JSON, body too large, media type, static files, rate limits) are
 * mapped onto the same codes; anything unexpected is a 500 without internals.
 */
export default fp(
  async (fastify) => {
    fastify.addSchema(errorSchema);
    fastify.setErrorHandler((error: FastifyError, request, reply) => {
      const send = (envelope: ErrorEnvelope) => reply.status(envelope.statusCode).send(envelope);
      if (error instanceof AppError) {
        return send({ statusCode: error.statusCode, code: error.code, message: error.message });
      }
      if (error.validation) {
        return send({
          statusCode: 400,
          code: 'API_ERR_VALIDATION',
          message: error.message,
          details: error.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' })),
        });
      }
      const status = error.statusCode;
      if (status && status >= 400 && status < 500) {
        const code = clientErrorCode(error);
        const own = code.startsWith('API_ERR_') && error.code === code;
        return send({
          statusCode: status,
          code,
          message: own || showsOwnMessage(error.code) ? error.message : (GENERIC[status] ?? statusMessage(code)),
        });
      }
      if (isDatabaseDown(error)) {
        // The outage itself is logged once (db/health.ts); each refused request at debug.
        request.log[request.server.dbHealth?.failed(error) ?? 'warn']({ err: error }, 'database unavailable');
        return send({
          statusCode: 503,
          code: 'API_ERR_DATABASE_UNAVAILABLE',
          message: 'the database cannot be reached; retry shortly',
        });
      }
      request.log.error({ err: error }, 'unhandled error');
      return send({ statusCode: 500, code: 'API_ERR_INTERNAL', message: 'internal error' });
    });
    fastify.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        statusCode: 404,
        code: 'API_ERR_ROUTE_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`,
      }),
    );
  },
  { name: 'error-handler' },
);
