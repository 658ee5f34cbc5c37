import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetricsHandler } from '@app/metrics';
import type { Registry } from 'prom-client';

/** The internal metrics listener: GET /metrics only, never on the public port. */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): Promise<{ url: string; server: Server }> {
  const handler = createMetricsHandler(registry);
  const server = createServer((request, response) => {
    if (request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
      return;
    }
    void handler(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { url: `http://${host}:${address.port}/metrics`, server };
}
