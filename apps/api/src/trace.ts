import { currentTraceIds } from '@app/tracing';

/** The active trace id, if tracing is on (stored on claim rows to link them to their trace). */
export function currentTraceId(): string | null {
  return currentTraceIds()?.traceId ?? null;
}
