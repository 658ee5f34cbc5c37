import type { ResolvedConfig } from './config';
import type { WireResource, WireScope, WireSpan } from './span-wire';

/** `workerData` of the export worker. */
export interface WorkerSetup {
  /** Marks the export worker, so a preload inherited through `NODE_OPTIONS` starts nothing in it. */
  appTracingExportWorker: true;
  config: ResolvedConfig;
  /** `DiagLogLevel` for the OpenTelemetry diagnostics of the worker, when the operator asked for them. */
  diagLevel: number | undefined;
}

/** Request thread → export worker. */
export type ToWorker =
  | { type: 'spans'; resources: WireResource[]; scopes: WireScope[]; spans: WireSpan[] }
  | { type: 'flush' | 'shutdown'; id: number };

/** Export worker → request thread. Counts are cumulative since the worker started. */
export type FromWorker =
  | { type: 'counts'; exported: number; queueFull: number; exportFailed: number }
  | { type: 'done'; id: number }
  | { type: 'log'; line: string };
