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

/** The client of a Fastify request: `request.ip` (trustProxy-aware) and its `User-Agent`. */
export function requestContext(request: { ip: string; headers: Record<string, unknown> }): RequestContext {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, USER_AGENT_MAX) : null };
}

/** Writes audit events inside the caller's transaction. */
export interface AuditSink {
  write(client: Queryable, event: AuditInput): Promise<unknown>;
}

/** Writes one event in its own short transaction (security events outside any business change). */
export async function writeStandalone(pool: Pool, audit: AuditSink, event: AuditInput): Promise<void> {
  await withTransaction(pool, async (client) => {
    await audit.write(client, event);
  });
}
