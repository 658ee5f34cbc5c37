import type { FastifyOtelInstrumentation } from '@fastify/otel';
import type { FastifyServerInstrumentation } from './fastify-server';
import type { SpanStats } from './stats';
import type { TracingHandle } from './types';

export interface GlobalState {
  handle?: TracingHandle;
  stats?: SpanStats;
  fastify?: FastifyOtelInstrumentation | FastifyServerInstrumentation;
}

// Kept on globalThis so the preload (loaded through the ESM loader) and the
// app (which may load a second copy of this file) see the same running SDK.
const KEY = Symbol.for('@app/tracing.state');

/** The process-wide tracing state. */
export function globalState(): GlobalState {
  const holder = globalThis as unknown as Record<symbol, GlobalState | undefined>;
  holder[KEY] ??= {};
  return holder[KEY];
}
