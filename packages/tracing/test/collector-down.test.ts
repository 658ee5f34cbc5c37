import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningService, startService } from './support/child';

const FIXTURE = 'test/fixtures/service.cjs';
const REQUESTS = 1000;
const CONCURRENCY = 10;
const QUEUE = 512;
/** Heap bound after the run (after a forced GC): the queue holds at most 512 spans. */
const HEAP_BOUND_MB = 64;

const PATHS = ['/ping', '/fail', '/nope'];

interface Outcome {
  statuses: number[];
  p99: number;
}

async function hammer(url: string): Promise<Outcome> {
  const statuses = new Array<number>(REQUESTS);
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const start = performance.now();
      const response = await fetch(`${url}${PATHS[i % PATHS.length]}`);
      await response.arrayBuffer();
      latencies.push(performance.now() - start);
      statuses[i] = response.status;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  return { statuses, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

interface StatsReply {
  stats: { dropped: number; droppedQueueFull: number; droppedExportFailed: number; queued: number; exported: number };
  memory: { heapUsed: number; rss: number };
}

async function stats(service: RunningService): Promise<StatsReply> {
  return (await (await fetch(`${service.url}/__stats`)).json()) as StatsReply;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('with the collector down or hanging', () => {
  let baseline: Outcome;
  const running: RunningService[] = [];
  let hanging: Server | undefined;

  beforeAll(async () => {
    const untraced = await startService(FIXTURE, { FIXTURE_QUIET: '1' });
    running.push(untraced);
    baseline = await hammer(untraced.url);
    expect(new Set(baseline.statuses)).toEqual(new Set([200, 500, 404]));
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    hanging?.closeAllConnections();
    hanging?.close();
  });

  async function tracedAgainst(endpoint: string, extra: Record<string, string> = {}): Promise<RunningService> {
    const service = await startService(
      FIXTURE,
      {
        FIXTURE_QUIET: '1',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1000',
        OTEL_BSP_MAX_QUEUE_SIZE: String(QUEUE),
        OTEL_BSP_SCHEDULE_DELAY: '200',
        ...extra,
      },
      ['--expose-gc', '--import', '@app/tracing/register'],
    );
    running.push(service);
    return service;
  }

  it(`refused: ${REQUESTS} requests keep their statuses, drops are counted and logged`, async () => {
    const service = await tracedAgainst(`http://127.0.0.1:${await closedPort()}/v1/traces`);
    const outcome = await hammer(service.url);
    expect(outcome.statuses).toEqual(baseline.statuses);
    // Let the last batches fail too.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { stats: s, memory } = await stats(service);
    process.stdout.write(
      `collector refused: p99 ${outcome.p99.toFixed(1)} ms (untraced ${baseline.p99.toFixed(1)} ms), heap ${(memory.heapUsed / 2 ** 20).toFixed(1)} MB, stats ${JSON.stringify(s)}\n`,
    );
    expect(s.exported).toBe(0);
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.droppedExportFailed).toBeGreaterThan(0);
    expect(s.queued).toBeLessThanOrEqual(QUEUE);
    expect(memory.heapUsed).toBeLessThan(HEAP_BOUND_MB * 2 ** 20);
    expect(service.stderr()).toMatch(
      /\[@app\/tracing\] dropped \d+ span\(s\) \(total \d+: queue full \d+, export failed \d+\)/,
    );
  });

  it(`hanging: ${REQUESTS} requests keep their statuses and latency, the queue stays bounded`, async () => {
    hanging = createServer(() => {
      // Accept the export and never answer, like an overloaded collector.
    });
    await new Promise<void>((resolve) => hanging!.listen(0, '127.0.0.1', resolve));
    // One export of 128 spans hangs for up to 30 s; the queue (128) fills behind it.
    const service = await tracedAgainst(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1/traces`, {
      OTEL_BSP_MAX_QUEUE_SIZE: '128',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '30000',
    });
    const outcome = await hammer(service.url);
    expect(outcome.statuses).toEqual(baseline.statuses);
    const { stats: s, memory } = await stats(service);
    process.stdout.write(
      `collector hanging: p99 ${outcome.p99.toFixed(1)} ms (untraced ${baseline.p99.toFixed(1)} ms), heap ${(memory.heapUsed / 2 ** 20).toFixed(1)} MB, stats ${JSON.stringify(s)}\n`,
    );
    // One span per request, 1,000 spans: 128 in the hung export, at most 128 queued, the rest dropped.
    expect(s.droppedQueueFull).toBeGreaterThanOrEqual(REQUESTS - 2 * 128);
    expect(s.queued).toBeLessThanOrEqual(128);
    expect(service.stderr()).toContain('queue full');
    expect(memory.heapUsed).toBeLessThan(HEAP_BOUND_MB * 2 ** 20);
    // Export work is off the request path: a hung collector adds no waiting.
    expect(outcome.p99).toBeLessThan(Math.max(250, baseline.p99 * 10));
  });
});
