import fp from 'fastify-plugin';
import type { KeyValueStore } from '../store/key-value';

declare module 'fastify' {
  interface FastifyInstance {
    store: KeyValueStore;
  }
}

/** Exposes the nonce store (Redis, or the in-process default) as `fastify.store`. */
export default fp<{ store: KeyValueStore }>(
  async (fastify, { store }) => {
    if (store.redis) {
      // ioredis reconnects by itself; log transitions so an operator sees them.
      store.redis.on('error', (error: Error) => fastify.log.debug({ err: error }, 'redis error'));
      store.redis.on('ready', () => fastify.log.info('redis connected'));
      store.redis.on('close', () => fastify.log.warn('redis connection closed'));
    }
    fastify.decorate('store', store);
  },
  { name: 'redis' },
);
