import type { IncomingMessage } from 'node:http';

/** Requests in flight on one connection; they are abandoned if it closes before they finish. */
export interface ConnectionState {
  inFlight: number;
  closed: boolean;
}

type TrackedSocket = Record<symbol, ConnectionState | undefined> & {
  once?: (event: 'close', listener: () => void) => unknown;
};

/**
 * Fastify runs no onResponse hook for a request whose client went away first. Watching the
 * connection (one listener per connection, not per request as an onRequestAbort hook would add)
 * lets the plugin release those requests from in-flight: `abandon` runs once for each request
 * still in flight when the connection closes. Returns the state of a request's connection, or
 * null when it has none to watch.
 */
export function connectionTracker(abandon: () => void): (raw: IncomingMessage) => ConnectionState | null {
  // One key per tracker: two plugin instances on one server keep separate counts.
  const kState = Symbol('@app/metrics connection');
  return (raw) => {
    const socket = raw.socket as unknown as TrackedSocket | null;
    if (!socket || typeof socket.once !== 'function') return null;
    let state = socket[kState];
    if (state === undefined) {
      const created: ConnectionState = { inFlight: 0, closed: false };
      socket[kState] = created;
      socket.once('close', () => {
        created.closed = true;
        for (; created.inFlight > 0; created.inFlight--) abandon();
      });
      state = created;
    }
    return state;
  };
}
