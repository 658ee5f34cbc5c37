import fp from 'fastify-plugin';
import { createRpcHealth, type RpcHealth } from '../stellar/rpc-health';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Stellar RPC's reachability: one warning when it goes down, backoff, one recovery line. */
    stellarRpc: RpcHealth;
  }
}

/**
 * Watches the Stellar RPC at `url` (see `stellar/rpc-health.ts`) and keeps `stellar_rpc_up`; app.ts
 * hands the on-chain jobs and the signals `fastify.stellarRpc.wrap(gateway)`. Probing stops on close.
 */
export default fp<{ url: string }>(
  async (fastify, { url }) => {
    // Reachable until a call says otherwise: stellar_rpc_up starts at 1.
    fastify.metrics.stellarRpcUp(true);
    const health = createRpcHealth({ url, log: fastify.log, onChange: (up) => fastify.metrics.stellarRpcUp(up) });
    fastify.decorate('stellarRpc', health);
    fastify.addHook('onClose', async () => health.close());
  },
  { name: 'stellar-rpc', dependencies: ['metrics'] },
);
