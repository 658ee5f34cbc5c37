import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Engine } from './engine';
import { InvalidParamsError } from './engine';
import type { FaultQueue } from './faults';
import { JsonRpcErrorCode, RpcMethod } from './names';
import { handleRpc, MethodNotFoundError } from './rpc';

const MAX_BODY_BYTES = 1 << 20;

/** Held requests: unref'd so a test run can exit, and dropped on close. */
class Holds {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  stopped = false;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.set(timer, resolve);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function rpcError(id: unknown, code: number, message: string): unknown {
  return { jsonrpc: '2.0', id: id ?? null, error: { code, message } };
}

/** Counts a sendTransaction as seen as soon as it arrives, even if a fault then loses it. */
function countArrival(engine: Engine, method: string, params: unknown): void {
  if (method !== RpcMethod.SEND_TRANSACTION) return;
  try {
    engine.recordSent((params as { transaction?: unknown } | undefined)?.transaction);
  } catch {
    // Unparsable envelopes are answered (as an error) by the handler itself.
  }
}

async function handle(
  engine: Engine,
  faults: FaultQueue,
  holds: Holds,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'POST') {
    send(res, 405, rpcError(null, JsonRpcErrorCode.INVALID_REQUEST, 'only POST is supported'));
    return;
  }
  let request: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  try {
    request = JSON.parse(await readBody(req));
  } catch {
    send(res, 200, rpcError(null, JsonRpcErrorCode.PARSE_ERROR, 'parse error'));
    return;
  }
  if (!request || typeof request !== 'object' || request.jsonrpc !== '2.0' || typeof request.method !== 'string') {
    send(res, 200, rpcError(request?.id, JsonRpcErrorCode.INVALID_REQUEST, 'invalid request'));
    return;
  }
  const { id, method, params } = request;
  countArrival(engine, method, params);
  const latency = faults.take(method, ['latency']);
  if (latency) await holds.sleep(latency.delayMs);
  if (holds.stopped) return;
  if (faults.take(method, ['http_5xx'])) {
    // Like a gateway in front of the RPC: the request never reaches it.
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('503 Service Unavailable');
    return;
  }
  const drop = faults.take(method, ['drop_connection']);
  let body: unknown;
  try {
    const result = handleRpc(engine, faults, method, params as Record<string, unknown> | undefined);
    body = { jsonrpc: '2.0', id: id ?? null, result };
  } catch (err) {
    if (err instanceof MethodNotFoundError) body = rpcError(id, JsonRpcErrorCode.METHOD_NOT_FOUND, err.message);
    else if (err instanceof InvalidParamsError) body = rpcError(id, JsonRpcErrorCode.INVALID_PARAMS, err.message);
    else body = rpcError(id, JsonRpcErrorCode.INTERNAL_ERROR, 'internal error');
  }
  if (drop) {
    // The request was handled; only the answer is lost, which is what makes a submission indeterminate.
    req.socket.destroy();
    return;
  }
  send(res, 200, body);
}

/** The sandbox's HTTP server: JSON-RPC 2.0 over POST on any path. */
export function createRpcServer(engine: Engine, faults: FaultQueue): { server: Server; stop: () => void } {
  const holds = new Holds();
  const server = createServer((req, res) => {
    handle(engine, faults, holds, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, rpcError(null, JsonRpcErrorCode.INTERNAL_ERROR, 'internal error'));
      else res.destroy();
    });
  });
  return { server, stop: () => holds.stop() };
}
