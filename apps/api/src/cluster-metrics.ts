/**
 * The one aggregated /metrics page of the cluster entry (src/cluster.ts), wherever it is scraped.
 *
 * The primary merges every worker's registry with prom-client's `AggregatorRegistry`. A worker that
 * serves `/metrics` on the public port (METRICS_TOKEN) must not answer from its own registry: the
 * primary hands connections round-robin, so successive scrapes would read alternating per-worker
 * counters (fake resets to Prometheus). Instead the worker asks the primary over the cluster's IPC
 * channel for the merged page and relays it; both ports serve the same page.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { AggregatorRegistry, PrometheusContentType } from 'prom-client';

const REQUEST = 'app:cluster-metrics:request';
const REPLY = 'app:cluster-metrics:reply';

interface MetricsRequest {
  type: typeof REQUEST;
  id: string;
}
interface MetricsReply {
  type: typeof REPLY;
  id: string;
  text?: string;
  error?: string;
}

const isRequest = (message: unknown): message is MetricsRequest =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === REQUEST;
const isReply = (message: unknown): message is MetricsReply =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === REPLY;

/** Primary: answers workers' requests for the merged page (registry.clusterMetrics()). */
export function answerWorkerMetricsRequests(registry: AggregatorRegistry<PrometheusContentType>): void {
  cluster.on('message', (worker, message: unknown) => {
    if (!isRequest(message)) return;
    const send = (reply: Omit<MetricsReply, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: REPLY, id: message.id, ...reply } satisfies MetricsReply);
    };
    registry.clusterMetrics().then(
      (text) => send({ text }),
      (error: unknown) => send({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/**
 * Worker: the merged page from the primary. Rejects when the primary could not collect every
 * worker's registry (prom-client's 5 s per scrape) or did not answer within `timeoutMs`.
 */
export function mergedMetricsFromPrimary(timeoutMs = 10_000): Promise<string> {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || !send) return Promise.reject(new Error('not a cluster worker'));
  const id = randomUUID();
  return new Promise<string>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isReply(message) || message.id !== id) return;
      done();
      if (message.text !== undefined) resolve(message.text);
      else reject(new Error(message.error ?? 'the primary sent no metrics'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the cluster primary did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    send({ type: REQUEST, id } satisfies MetricsRequest);
  });
}
