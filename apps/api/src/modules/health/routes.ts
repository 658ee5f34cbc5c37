import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { errorResponses, publicAccess, refTo, stringEnum } from '../../schemas';

/** Readiness and the state of each dependency: `up`, `down`, or `in-process` (Redis not configured). */
const readiness = Type.Object(
  {
    status: stringEnum(['ready', 'not_ready']),
    checks: Type.Object({ postgres: Type.String(), redis: Type.String(), stellarRpc: Type.String() }),
  },
  { $id: 'readiness' },
);
type Readiness = Static<typeof readiness>;

const healthSchema = {
  tags: ['health'],
  operationId: 'health',
  summary: 'Liveness: the process answers',
  security: publicAccess,
  response: { 200: Type.Object({ status: Type.String() }), 500: errorResponses()[500] },
};

const readySchema = {
  tags: ['health'],
  operationId: 'ready',
  summary: 'Readiness: PostgreSQL, Redis and the Stellar RPC answer',
  security: publicAccess,
  response: {
    '2xx': refTo(readiness),
    500: errorResponses()[500],
    503: refTo(readiness, 'a dependency is down (the failing check says which)'),
  },
};

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
const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.addSchema(readiness);
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
    const body: Readiness = {
      status: ready ? 'ready' : 'not_ready',
      checks: { postgres: label(postgres), redis: label(redis), stellarRpc: label(stellarRpc) },
    };
    return reply.status(ready ? 200 : 503).send(body);
  });
};

export default healthRoutes;
