import { type Sandbox, startSandbox } from '@app/stellar-sandbox';
import type { Attributes } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Asset, Keypair, Operation, rpc, type Transaction, TransactionBuilder } from '@stellar/stellar-sdk';
import { Registry } from 'prom-client';
import { createStellarClient, type StellarClient, type StellarClientOptions } from '../src';

/** Fast settings so a test waits for ledgers, not for production-sized intervals. */
export const FAST = {
  requestTimeoutMs: 2_000,
  pollIntervalMs: 50,
  maxPollDurationMs: 10_000,
  sendRetry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40 },
};

export interface Harness {
  sandbox: Sandbox;
  server: rpc.Server;
  registry: Registry;
  exporter: InMemorySpanExporter;
  provider: BasicTracerProvider;
  client: StellarClient;
  /** A fresh client on the same sandbox, registry and tracer with other options. */
  clientWith(options: Partial<StellarClientOptions>): StellarClient;
  close(): Promise<void>;
}

export async function startHarness(options: { ledgerIntervalMs?: number } = {}): Promise<Harness> {
  const sandbox = await startSandbox({ ledgerIntervalMs: options.ledgerIntervalMs ?? 100, fundedAccounts: 3 });
  const server = new rpc.Server(sandbox.url, { allowHttp: true });
  const registry = new Registry();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  const clientWith = (extra: Partial<StellarClientOptions>) =>
    createStellarClient({ server, registry, tracer, ...FAST, ...extra });
  return {
    sandbox,
    server,
    registry,
    exporter,
    provider,
    client: clientWith({}),
    clientWith,
    async close() {
      await provider.shutdown();
      await sandbox.close();
    },
  };
}

/** A signed native payment from funded account `from` to funded account `to`. */
export async function payment(
  h: Pick<Harness, 'sandbox' | 'server'>,
  opts: {
    from?: number;
    to?: number;
    amount?: string;
    timeoutSeconds?: number;
    sequenceOffset?: bigint;
    signer?: Keypair;
  } = {},
): Promise<Transaction> {
  const source = h.sandbox.accounts[opts.from ?? 0]!;
  const destination = h.sandbox.accounts[opts.to ?? 1]!;
  const account = await h.server.getAccount(source.publicKey);
  if (opts.sequenceOffset) {
    for (let i = 0n; i < opts.sequenceOffset; i++) account.incrementSequenceNumber();
  }
  const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: h.sandbox.networkPassphrase })
    .addOperation(
      Operation.payment({ destination: destination.publicKey, asset: Asset.native(), amount: opts.amount ?? '10' }),
    )
    .setTimeout(opts.timeoutSeconds ?? 30)
    .build();
  tx.sign(opts.signer ?? Keypair.fromSecret(source.secret));
  return tx;
}

/** The value of one labelled sample of a counter or histogram series. */
export async function sample(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metrics = await registry.getMetricsAsJSON();
  for (const metric of metrics) {
    for (const value of metric.values as { metricName?: string; labels: Attributes; value: number }[]) {
      const valueName = value.metricName ?? metric.name;
      if (valueName !== name) continue;
      if (Object.entries(labels).every(([k, v]) => String(value.labels[k]) === v)) return value.value;
    }
  }
  return 0;
}

export function spansNamed(exporter: InMemorySpanExporter, name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}

/** Children of `parent` in the exporter, by parent span id. */
export function childrenOf(exporter: InMemorySpanExporter, parent: ReadableSpan): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
}
