import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';

/** Builds the service as a Fastify instance, without listening. */
export async function buildApp(options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(options);
  app.get('/health', async () => ({ status: 'ok' }));
  return app;
}
