import { trace } from '@opentelemetry/api';
import type { rpc } from '@stellar/stellar-sdk';
import { accountFromEntry, readAccountEntries, readAccountEntry } from './account';
import { transactionHash } from './bounds';
import { ERROR_CODES, StellarInstrumentedError } from './errors';
import type { ClientDeps } from './internal-types';
import type { MetricsRecorder } from './metrics';
import { NOOP_METRICS } from './noop-metrics';
import { RpcCaller } from './rpc-call';
import { ATTR_GET_STATUS, ATTR_LEDGER, ATTR_TX_HASH, INSTRUMENTATION_NAME } from './semconv';
import { submitAndWait, waitForTransaction } from './submission';
import { SpanFactory } from './tracing';
import type { StellarClient, StellarClientOptions } from './types';

const DEFAULTS = {
  requestTimeoutMs: 10_000,
  pollIntervalMs: 1_000,
  maxPollDurationMs: 120_000,
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
};

/**
 * Wraps an SDK `rpc.Server`: safe submission with typed outcomes, per-request
 * timeouts, and metrics / spans when a registry / tracer is available. Without
 * either it behaves as the plain SDK with timeouts.
 */
export function createStellarClient(options: StellarClientOptions): StellarClient {
  const server = options?.server;
  if (!server || typeof server.sendTransaction !== 'function') {
    throw new StellarInstrumentedError(
      ERROR_CODES.INVALID_OPTION,
      'createStellarClient needs `server`: an rpc.Server from @stellar/stellar-sdk.',
    );
  }
  const retry = options.sendRetry ?? {};
  const numbers = {
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, DEFAULTS.requestTimeoutMs),
    pollIntervalMs: positive('pollIntervalMs', options.pollIntervalMs, DEFAULTS.pollIntervalMs),
    maxPollDurationMs: positive('maxPollDurationMs', options.maxPollDurationMs, DEFAULTS.maxPollDurationMs),
    maxAttempts: positive('sendRetry.maxAttempts', retry.maxAttempts, DEFAULTS.maxAttempts),
    baseDelayMs: positive('sendRetry.baseDelayMs', retry.baseDelayMs, DEFAULTS.baseDelayMs, true),
    maxDelayMs: positive('sendRetry.maxDelayMs', retry.maxDelayMs, DEFAULTS.maxDelayMs, true),
  };
  if (!Number.isInteger(numbers.maxAttempts)) {
    throw new StellarInstrumentedError(ERROR_CODES.INVALID_OPTION, 'sendRetry.maxAttempts must be a whole number.');
  }
  const report = telemetryReporter(options.onTelemetryError);
  const metrics = buildMetrics(options, report);
  const spans = new SpanFactory(options.tracer ?? trace.getTracer(INSTRUMENTATION_NAME), report);
  const rpcCaller = new RpcCaller(spans, metrics, numbers.requestTimeoutMs);
  const deps: ClientDeps = { server, rpc: rpcCaller, spans, metrics, ...numbers };

  return {
    server,
    submitAndWait: (tx, submitOptions) => submitAndWait(deps, tx, submitOptions),
    waitForTransaction: (hash, waitOptions) => waitForTransaction(deps, hash, waitOptions),
    simulateTransaction: (tx) =>
      rpcCaller.call('simulateTransaction', () => server.simulateTransaction(tx), {
        attributes: { [ATTR_TX_HASH]: transactionHash(tx) },
        describe: (r) => (isSimulationError(r) ? { outcome: 'simulation_error' } : undefined),
      }),
    prepareTransaction: (tx) =>
      rpcCaller.call('prepareTransaction', () => server.prepareTransaction(tx), {
        attributes: { [ATTR_TX_HASH]: transactionHash(tx) },
        sdkErrorOutcome: 'simulation_error',
      }),
    getLatestLedger: () => rpcCaller.call('getLatestLedger', () => server.getLatestLedger()),
    getAccount: (address) =>
      rpcCaller.call('getAccount', async () => accountFromEntry(address, await readAccountEntry(server, address))),
    getAccountEntry: (address) => rpcCaller.call('getAccountEntry', () => readAccountEntry(server, address)),
    getAccountEntries: (addresses) => rpcCaller.call('getAccountEntries', () => readAccountEntries(server, addresses)),
    getTransaction: (hash) =>
      rpcCaller.call('getTransaction', () => server.getTransaction(hash), {
        attributes: { [ATTR_TX_HASH]: hash },
        describe: (r) => ({
          attributes:
            'ledger' in r ? { [ATTR_GET_STATUS]: r.status, [ATTR_LEDGER]: r.ledger } : { [ATTR_GET_STATUS]: r.status },
        }),
      }),
    getHealth: () => rpcCaller.call('getHealth', () => server.getHealth()),
  };
}

function isSimulationError(r: rpc.Api.SimulateTransactionResponse): boolean {
  return typeof (r as { error?: unknown }).error === 'string';
}

function buildMetrics(options: StellarClientOptions, report: (error: unknown) => void): MetricsRecorder {
  if (!options.registry) return NOOP_METRICS;
  try {
    // Loaded only with a registry: @app/metrics needs prom-client, an optional peer when metrics are off.
    const { createMetricsRecorder } = require('./metrics') as typeof import('./metrics');
    return createMetricsRecorder(options.registry, report);
  } catch (error) {
    // A clashing metric on the caller's registry must not take submissions down with it.
    report(error);
    return NOOP_METRICS;
  }
}

function telemetryReporter(onTelemetryError: StellarClientOptions['onTelemetryError']): (error: unknown) => void {
  if (onTelemetryError) {
    return (error) => {
      try {
        onTelemetryError(error);
      } catch {
        // The reporter itself is telemetry; it cannot break a submission either.
      }
    };
  }
  let warned = false;
  return (error) => {
    if (warned) return;
    warned = true;
    process.emitWarning(`telemetry disabled or failing: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'STELLAR_ERR_TELEMETRY',
    });
  };
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new StellarInstrumentedError(
      ERROR_CODES.INVALID_OPTION,
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of ${name.endsWith('Attempts') ? 'attempts' : 'milliseconds'}; got ${String(value)}.`,
    );
  }
  return value;
}
