import type { Socket } from 'node:net';
import type { ErrorCode } from './errors';
import type { ErrorEnvelope } from './schemas';

/** Node's HTTP parser errors (before Fastify sees a request) that a client causes, as status and code. */
function classify(error: NodeJS.ErrnoException): { status: number; code: ErrorCode; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'API_ERR_HEADERS_TOO_LARGE', message: 'request headers too large' };
    case 'HPE_INVALID_METHOD':
      return { status: 400, code: 'API_ERR_BAD_REQUEST', message: 'unknown HTTP method' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'API_ERR_REQUEST_TIMEOUT', message: 'request timed out' };
    default:
      return { status: 400, code: 'API_ERR_BAD_REQUEST', message: 'malformed HTTP request' };
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refuses (an invented method, a broken
 * request line, oversized headers) still gets the JSON envelope, then the connection closes.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, code, message } = classify(error);
  const body = JSON.stringify({ statusCode: status, code, message } satisfies ErrorEnvelope);
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
