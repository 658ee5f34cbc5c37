import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../../schemas';

const healthSchema = {
  tags: ['health'],
  operationId: 'health',
  summary: 'Liveness: the process answers',
  response: { 200: { type: 'object', properties: { status: { type: 'string' } } }, 500: errorResponses()[500] },
} as const;

const readySchema = {
  tags: ['health'],
  operationId: 'ready',
  summary: 'Readiness: PostgreSQL, Redis and the Stellar RPC answer',
  response: {
    '2xx': { $ref: 'readiness#' },
    500: errorResponses()[500],
    503: { description: 'a dependency is down (the failing check says which)', $ref: 'readiness#' },
  },
} as const;

async function within<T>(ms: number, work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([work.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health (liveness) and GET /ready (dependencies). */
const healthRoutes: FastifyPluginAsync = async (fastify) => {
  fastify.addSchema({
    $id: 'readiness',
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ready', 'not_ready'] },
      checks: {
        type: 'object',
        properties: {
          postgres: { type: 'string' },
          redis: { type: 'string' },
          stellarRpc: { type: 'string' },
        },
      },
    },
  });
  fastify.get('/health', { schema: healthSchema }, async () => ({ status: 'ok' }));
  fastify.get('/ready', { schema: readySchema }, async (_request, reply) => {
    const [postgres, redis, stellarRpc] = await Promise.all([
      within(
        2000,
        fastify.pg.query('SELECT 1').then(() => true),
        false,
      ),
      fastify.store.kind === 'memory' ? Promise.resolve('in-process') : within(1000, fastify.store.ping(), false),
      within(2000, fastify.stellar.gateway.ping(), false),
    ]);
    const label = (v: boolean | string) => (v === true ? 'up' : v === false ? 'down' : v);
    const ready = postgres && redis !== false && stellarRpc;
    return reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not_ready',
      checks: { postgres: label(postgres), redis: label(redis), stellarRpc: label(stellarRpc) },
    });
  });
};

export default healthRoutes;
