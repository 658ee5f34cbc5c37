import { LOG_FIELDS } from '@app/audit';
import fp from 'fastify-plugin';
import { type AuditInput, type AuditSink, writeStandalone } from '../audit-port';

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditSink;
    /** Writes a security event in its own transaction; never fails the request. */
    auditSecurity(event: AuditInput): Promise<void>;
  }
}

/** Exposes the audit writer; business events go through `audit.write(client, …)` inside their transaction. */
export default fp<{ audit: AuditSink }>(
  async (fastify, { audit }) => {
    fastify.decorate('audit', audit);
    fastify.decorate('auditSecurity', async (event: AuditInput) => {
      try {
        await writeStandalone(fastify.pg, audit, event);
      } catch (error) {
        fastify.log.error(
          { err: error, [LOG_FIELDS.EVENT_ACTION]: event.event },
          'could not persist a security audit event',
        );
      }
    });
  },
  { name: 'audit', dependencies: ['db'] },
);
