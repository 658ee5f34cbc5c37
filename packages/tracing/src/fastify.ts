import type { FastifyPluginCallback } from 'fastify';
import { globalState } from './state';

const FASTIFY_OTEL_NAME = '@fastify/otel';

/**
 * The Fastify plugin of the running SDK, for explicit registration:
 * `await app.register(fastifyOtelPlugin())`, first, before the routes. It is the lean SERVER span
 * hook of `fastify-server.ts` by default, and `@fastify/otel`'s plugin when hook spans or
 * `serverSpans: 'http'` are configured.
 *
 * Usually unnecessary: once tracing has started, every Fastify instance is
 * instrumented on creation (through Fastify's `fastify.initialization`
 * diagnostics channel). Registering it anyway is harmless: it does nothing when
 * the instance is already instrumented or when tracing is not running.
 */
export function fastifyOtelPlugin(): FastifyPluginCallback {
  const plugin: FastifyPluginCallback = (instance, opts, done) => {
    const instrumentation = globalState().fastify;
    if (!instrumentation || instance.hasPlugin(FASTIFY_OTEL_NAME)) return done();
    (instrumentation.plugin() as FastifyPluginCallback)(instance, opts, done);
  };
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@app/tracing/fastify',
  });
  return plugin;
}
