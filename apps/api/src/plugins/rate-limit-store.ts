import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

// @fastify/rate-limit's own stores (CommonJS, no type declarations of their own).
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache?: number,
) => Store;
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key: string,
) => Store;

type Result = { current: number; ttl: number };
interface Store {
  incr(key: string, cb: (error: Error | null, result: Result | null) => void, timeWindow: number, max: number): void;
  child(routeOptions: RouteParams): Store;
}
interface RouteParams {
  continueExceeding: boolean;
  exponentialBackoff: boolean;
  routeInfo: { method?: string; url?: string };
}

/**
 * A rate-limit store for `@fastify/rate-limit`'s `store` option: counters in
 * Redis (shared by every instance); while Redis is not connected, or when a
 * command fails, the same key is counted in this process instead (limits hold
 * per instance until Redis is back). `onFallback(true|false)` reports changes.
 */
export function fallbackStore(
  redis: Redis,
  nameSpace: string,
  onFallback: (active: boolean) => void,
): FastifyRateLimitStoreCtor {
  let fallingBack = false;
  const report = (active: boolean) => {
    if (active === fallingBack) return;
    fallingBack = active;
    onFallback(active);
  };
  const make = (shared: Store, local: Store): Store => ({
    incr(key, cb, timeWindow, max) {
      // Not ready: answer from memory at once instead of queueing behind a reconnect.
      if (redis.status !== 'ready') {
        report(true);
        local.incr(key, cb, timeWindow, max);
        return;
      }
      shared.incr(
        key,
        (error, result) => {
          if (error) {
            report(true);
            local.incr(key, cb, timeWindow, max);
            return;
          }
          report(false);
          cb(null, result);
        },
        timeWindow,
        max,
      );
    },
    child: (params) => make(shared.child(params), local.child(params)),
  });
  class FallbackStore {
    constructor(options: object) {
      // The plugin passes its merged params (continueExceeding and exponentialBackoff included).
      const params = options as { continueExceeding?: boolean; exponentialBackoff?: boolean };
      // biome-ignore lint/correctness/noConstructorReturn: @fastify/rate-limit instantiates the store class itself
      return make(
        new RedisStore(params.continueExceeding === true, params.exponentialBackoff === true, redis, nameSpace),
        new LocalStore(params.continueExceeding === true, params.exponentialBackoff === true),
      );
    }
  }
  // The constructor returns the store object itself.
  return FallbackStore as unknown as FastifyRateLimitStoreCtor;
}
