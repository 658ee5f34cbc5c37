// The export worker (node:worker_threads): receives finished spans from the request thread in
// their wire form (span-wire.ts), rebuilds them as ReadableSpans and hands them to the SDK's own
// BatchSpanProcessor + OTLP exporter (http/json or http/protobuf), so serialisation and sending
// never run on the thread that serves requests. It reports its counts (exported, dropped) and its
// diagnostics back; the request thread keeps the queue bound and writes the log lines.
import { parentPort, workerData } from 'node:worker_threads';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { createExporter } from './exporter';
import { ReceivedSpan } from './span-wire';
import { SpanStats } from './stats';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-messages';

const port = parentPort;
if (!port) throw new Error('export-worker.js runs as a worker thread of @app/tracing');
const setup = workerData as WorkerSetup;

function post(message: FromWorker): void {
  port!.postMessage(message);
}

if (setup.diagLevel !== undefined) {
  const write = (message: string) => post({ type: 'log', line: message });
  diag.setLogger(
    { error: write, warn: write, info: write, debug: write, verbose: write },
    { logLevel: setup.diagLevel as DiagLogLevel, suppressOverrideMessage: true },
  );
} else {
  // Export failures are counted and reported by the request thread; the exporter's own
  // error lines would only repeat them once per batch.
  diag.setLogger(
    { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.NONE, suppressOverrideMessage: true },
  );
}

// Counts are cumulative; several changes within one turn of the loop make one message.
let countsPosted = true;
const stats = new SpanStats(
  setup.config.batch.maxQueueSize,
  () => {},
  () => {
    if (!countsPosted) return;
    countsPosted = false;
    setImmediate(postCounts);
  },
);
function postCounts(): void {
  countsPosted = true;
  const s = stats.read();
  post({ type: 'counts', exported: s.exported, queueFull: s.droppedQueueFull, exportFailed: s.droppedExportFailed });
}

const exporter = createExporter(setup.config);
if (!exporter) throw new Error(`export-worker.js needs an exporter; got ${setup.config.exporter}`);
const processor = new BatchSpanProcessor({
  exporter,
  ...setup.config.batch,
  selfObsMeterProvider: stats.meterProvider(),
});

const resources = new Map<number, Resource>();
const scopes = new Map<number, InstrumentationScope>();

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'spans': {
      for (const r of message.resources) {
        resources.set(r.id, resourceFromAttributes(r.attributes, { schemaUrl: r.schemaUrl }));
      }
      for (const s of message.scopes) {
        scopes.set(s.id, {
          name: s.name,
          ...(s.version !== undefined ? { version: s.version } : {}),
          ...(s.schemaUrl !== undefined ? { schemaUrl: s.schemaUrl } : {}),
        });
      }
      for (const wire of message.spans) {
        processor.onEnd(new ReceivedSpan(wire, resources.get(wire.r)!, scopes.get(wire.sc)!));
      }
      return;
    }
    case 'flush':
    case 'shutdown': {
      const done = message.type === 'flush' ? processor.forceFlush() : processor.shutdown();
      done
        .catch((error: unknown) => post({ type: 'log', line: `span ${message.type} failed: ${String(error)}` }))
        .finally(() => {
          postCounts();
          post({ type: 'done', id: message.id });
        });
      return;
    }
  }
});
