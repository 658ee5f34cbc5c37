import { isIP } from 'node:net';
import type { AuditEventInput, Queryable } from '@app/audit';
import type { Pool } from 'pg';
import { withTransaction } from './db/transaction';

/** The fields of an audit event the service writes. */
export type AuditInput = AuditEventInput;

/** Who sent a request, as audit events record it (`ip`, `userAgent`). */
export interface RequestContext {
  ip: string;
  /** The `User-Agent` header as sent (the audit writer bounds, redacts and escapes it); null when absent. */
  userAgent: string | null;
}

/** Longest user agent kept with a job row (the audit writer keeps 512 characters too). */
export const USER_AGENT_MAX = 512;

/** An address as some proxies write it in X-Forwarded-For (`1.2.3.4:5678`, `[2001:db8::1]:443`, a zone), bare. */
function bareAddress(value: string): string {
  const trimmed = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(trimmed);
  const address = bracketed?.[1] ?? withPort?.[1] ?? trimmed;
  return address.split('%')[0]!;
}

/**
 * The client address to record and to count by: `request.ip` (the peer, or with `TRUST_PROXY` the
 * X-Forwarded-For hop Fastify picked) when it is an IPv4/IPv6 address, written bare (a port,
 * brackets or an IPv6 zone some proxies add are removed); anything else in that header (a client
 * behind `TRUST_PROXY=true` can send any text) falls back to the peer's own address. Audit rows and
 * job rows store it as `inet`, so a forwarded `not-an-ip` never fails the request or drops its event.
 */
export function clientIp(request: { ip: string; socket?: { remoteAddress?: string | undefined } }): string {
  const address = bareAddress(request.ip ?? '');
  if (isIP(address)) return address;
  const peer = request.socket?.remoteAddress;
  return peer && isIP(peer) ? peer : '0.0.0.0';
}

/** The client of a Fastify request: {@link clientIp} and its `User-Agent`. */
export function requestContext(request: {
  ip: string;
  socket?: { remoteAddress?: string | undefined };
  headers: Record<string, unknown>;
}): RequestContext {
  const agent = request.headers['user-agent'];
  return { ip: clientIp(request), userAgent: typeof agent === 'string' ? agent.slice(0, USER_AGENT_MAX) : null };
}

/** Writes audit events inside the caller's transaction. */
export interface AuditSink {
  write(client: Queryable, event: AuditInput): Promise<unknown>;
  /** Several events in one INSERT (rows in array order; all or none). */
  writeMany(client: Queryable, events: AuditInput[]): Promise<unknown>;
}

/** Writes one event in its own short transaction (security events outside any business change). */
export async function writeStandalone(pool: Pool, audit: AuditSink, event: AuditInput): Promise<void> {
  await withTransaction(pool, async (client) => {
    await audit.write(client, event);
  });
}
