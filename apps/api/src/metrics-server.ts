import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetricsHandler } from '@app/metrics';
import type { Registry } from 'prom-client';
import { ERROR_CODES, type ErrorCode } from './errors';

/** The service's JSON error envelope `{statusCode, code, message}` on a plain node:http listener. */
export function sendErrorEnvelope(
  response: ServerResponse,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  const statusCode = ERROR_CODES[code].status;
  response
    .writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify({ statusCode, code, message }));
}

/** The internal metrics listener: GET /metrics only, never on the public port. */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): Promise<{ url: string; server: Server }> {
  const handler = createMetricsHandler(registry);
  const server = createServer((request, response) => {
    if (request.url?.split('?')[0] !== '/metrics') {
      sendErrorEnvelope(
        response,
        'API_ERR_ROUTE_NOT_FOUND',
        `Route ${request.method}:${request.url} not found; try GET /metrics`,
      );
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
