import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Context } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { ResolvedConfig } from './config';
import { FastifyServerInstrumentation } from './fastify-server';
import { fastifyRequestHook } from './fastify-server-span';
import { pathOnly, redactUrlAttributes } from './redact';
import { LOG_FIELD_SPAN_ID, LOG_FIELD_TRACE_FLAGS, LOG_FIELD_TRACE_ID } from './semconv';
import type { InstrumentationName } from './types';

/**
 * The configured instrumentations, by name, not yet enabled. `attachContext` (the context
 * manager's `attach`) lets the Fastify span put a pipelined request's response in its own context cheaply.
 */
export function createInstrumentations(
  config: ResolvedConfig,
  attachContext?: (context: Context) => void,
): Map<InstrumentationName, Instrumentation> {
  const ignored = new Set(config.ignorePaths);
  const requireParent = !config.traceBackground;
  // The node:http server patch costs about as much as the rest of tracing
  // together (see the benchmark), so by default Fastify's onRequest hook makes the
  // SERVER span and node:http only traces outgoing requests.
  const fastifyServes = config.serverSpans === 'fastify' && config.instrumentations.includes('fastify');
  const all = new Map<InstrumentationName, Instrumentation>();
  for (const name of config.instrumentations) {
    switch (name) {
      case 'http':
        all.set(
          name,
          new HttpInstrumentation({
            disableIncomingRequestInstrumentation: fastifyServes,
            ignoreIncomingRequestHook:
              ignored.size > 0 ? (request: IncomingMessage) => ignored.has(pathOnly(request.url || '/')) : undefined,
            requireParentforOutgoingSpans: requireParent,
            // Query values can be tokens: url.full / url.query keep only the keys (client and server spans).
            requestHook: redactUrlAttributes,
          }),
        );
        break;
      case 'undici':
        all.set(
          name,
          new UndiciInstrumentation({ requireParentforSpans: requireParent, requestHook: redactUrlAttributes }),
        );
        break;
      case 'fastify':
        // The default: one lean SERVER span per request (fastify-server.ts). @fastify/otel only
        // when its hook and handler spans are asked for, or when node:http makes the SERVER span
        // and @fastify/otel adds its INTERNAL request span under it.
        if (fastifyServes && !config.fastifyHookSpans) {
          all.set(name, new FastifyServerInstrumentation({ ignorePaths: config.ignorePaths, attachContext }));
          break;
        }
        all.set(
          name,
          // registerOnInitialization subscribes to Fastify's `fastify.initialization`
          // diagnostics channel, so every instance created after start is traced
          // without the app registering a plugin.
          new FastifyOtelInstrumentation({
            registerOnInitialization: true,
            instrumentHooks: config.fastifyHookSpans,
            instrumentHandler: config.fastifyHookSpans,
            requestHook: fastifyRequestHook(fastifyServes),
            ...(ignored.size > 0 ? { ignorePaths: ({ url }: { url: string }) => ignored.has(pathOnly(url)) } : {}),
          }) as unknown as Instrumentation,
        );
        break;
      case 'pg':
        all.set(name, new PgInstrumentation({ requireParentSpan: requireParent, enhancedDatabaseReporting: false }));
        break;
      case 'ioredis':
        all.set(name, new IORedisInstrumentation({ requireParentSpan: requireParent }));
        break;
      case 'pino':
        all.set(
          name,
          new PinoInstrumentation({
            // Correlation only: log records keep going to pino's own destination.
            disableLogSending: true,
            logKeys: { traceId: LOG_FIELD_TRACE_ID, spanId: LOG_FIELD_SPAN_ID, traceFlags: LOG_FIELD_TRACE_FLAGS },
          }),
        );
        break;
    }
  }
  return all;
}
