import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors';

const DB_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001']);

function isDatabaseDown(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (code && DB_DOWN_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/**
 * One JSON error shape for every failure: `{ statusCode, code, error, message }`.
 * Client errors keep their status; anything unexpected is a 500 without internals.
 */
export default fp(
  async (fastify) => {
    fastify.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof AppError) {
        return reply
          .status(error.statusCode)
          .send({ statusCode: error.statusCode, code: error.code, message: error.message });
      }
      if (error.validation) {
        return reply.status(400).send({
          statusCode: 400,
          code: 'API_ERR_VALIDATION',
          message: error.message,
          details: error.validation.map((v) => ({ path: v.instancePath || '/', message: v.message })),
        });
      }
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        return reply
          .status(error.statusCode)
          .send({ statusCode: error.statusCode, code: error.code ?? 'API_ERR_BAD_REQUEST', message: error.message });
      }
      if (isDatabaseDown(error)) {
        request.log.warn({ err: error }, 'database unavailable');
        return reply.status(503).send({
          statusCode: 503,
          code: 'API_ERR_DATABASE_UNAVAILABLE',
          message: 'the database cannot be reached; retry shortly',
        });
      }
      request.log.error({ err: error }, 'unhandled error');
      return reply.status(500).send({ statusCode: 500, code: 'API_ERR_INTERNAL', message: 'internal error' });
    });
    fastify.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        statusCode: 404,
        code: 'API_ERR_ROUTE_NOT_FOUND',
        message: `no route ${request.method} ${request.url}`,
      }),
    );
  },
  { name: 'error-handler' },
);
