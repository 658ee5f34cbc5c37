import type { AddressInfo } from 'node:net';

/** An in-process PostgreSQL (PGlite) reachable over the wire protocol, so `pg` works unchanged. */
export interface EmbeddedPostgres {
  readonly connectionString: string;
  close(): Promise<void>;
}

/**
 * Starts PGlite behind pglite-socket on a free loopback port. PGlite is one
 * session: the service's pool keeps max 1; other clients (the audit CLI) share
 * it through the socket server's multiplexer.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  // A few connections through pglite-socket's multiplexer (a transaction keeps PGlite to itself), so
  // `npm run audit -- verify` and psql can connect while the service holds its one pooled connection.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const address = (server as unknown as { server?: { address(): AddressInfo } }).server?.address();
  const port = address?.port ?? Number(server.getServerConn().split(':').pop());
  return {
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
