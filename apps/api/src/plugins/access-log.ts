import fp from 'fastify-plugin';

/**
 * One access-log line per request (Fastify's own request logging is off):
 * method, route template, status and duration, with the request id.
 */
export default fp(
  async (fastify) => {
    fastify.addHook('onResponse', async (request, reply) => {
      request.log.info(
        {
          http: { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode },
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    });
  },
  { name: 'access-log' },
);
