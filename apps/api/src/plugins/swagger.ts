import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/** OpenAPI document from the route schemas, served with Swagger UI at /docs. */
export default fp(
  async (fastify) => {
    await fastify.register(swagger, {
      openapi: {
        // 3.1: the route schemas are JSON Schema 2020-12 (type arrays for null, propertyNames).
        openapi: '3.1.0',
        info: {
          title: 'Learn-to-earn API',
          description: 'Sign in with a Stellar wallet (SEP-53), pass quizzes, claim rewards, get credentials.',
          version: '0.1.0',
          license: { name: 'MIT', identifier: 'MIT' },
        },
        // Relative: the document describes the server that serves it.
        servers: [{ url: '/', description: 'this service' }],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
      // Shared schemas keep their $id as their components/schemas name (ErrorResponse, readiness).
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await fastify.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'swagger' },
);
