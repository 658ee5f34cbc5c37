import type { AddressInfo } from 'node:net';
import { Keypair } from '@stellar/stellar-sdk';
import { xlmToStroops } from './amount';
import { Engine } from './engine';
import { SandboxError, SandboxErrorCode } from './errors';
import { FaultQueue } from './faults';
import { createRpcServer } from './http-server';
import {
  DEFAULT_FUNDED_ACCOUNTS,
  DEFAULT_HOST,
  DEFAULT_LEDGER_INTERVAL_MS,
  DEFAULT_NETWORK_PASSPHRASE,
  DEFAULT_STARTING_BALANCE,
  LEDGER_RETENTION_WINDOW,
} from './names';
import { MIN_BALANCE_STROOPS } from './operations';
import type { FundedAccount, Sandbox, SandboxOptions } from './types';

function invalid(message: string): SandboxError {
  return new SandboxError(SandboxErrorCode.INVALID_OPTION, message);
}

function resolveOptions(options: SandboxOptions) {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid(`port must be 0..65535, got ${port}`);
  const ledgerIntervalMs = options.ledgerIntervalMs ?? DEFAULT_LEDGER_INTERVAL_MS;
  if (!Number.isFinite(ledgerIntervalMs) || ledgerIntervalMs < 0) {
    throw invalid(`ledgerIntervalMs must be >= 0, got ${ledgerIntervalMs}`);
  }
  const fundedAccounts = options.fundedAccounts ?? DEFAULT_FUNDED_ACCOUNTS;
  if (!Number.isInteger(fundedAccounts) || fundedAccounts < 0 || fundedAccounts > 1000) {
    throw invalid(`fundedAccounts must be an integer 0..1000, got ${fundedAccounts}`);
  }
  const startingBalance = xlmToStroops(options.startingBalance ?? DEFAULT_STARTING_BALANCE);
  if (startingBalance === undefined || startingBalance < MIN_BALANCE_STROOPS) {
    throw invalid(`startingBalance must be a decimal XLM amount of at least 1, got ${options.startingBalance}`);
  }
  const historyRetentionLedgers = options.historyRetentionLedgers ?? LEDGER_RETENTION_WINDOW;
  if (!Number.isInteger(historyRetentionLedgers) || historyRetentionLedgers < 1) {
    throw invalid(`historyRetentionLedgers must be an integer >= 1, got ${options.historyRetentionLedgers}`);
  }
  const networkPassphrase = options.networkPassphrase ?? DEFAULT_NETWORK_PASSPHRASE;
  if (typeof networkPassphrase !== 'string' || networkPassphrase.length === 0) {
    throw invalid('networkPassphrase must be a non-empty string');
  }
  return {
    port,
    host: options.host ?? DEFAULT_HOST,
    ledgerIntervalMs,
    fundedAccounts,
    startingBalance,
    networkPassphrase,
    historyRetentionLedgers,
  };
}

function urlFor(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/**
 * Starts a local Stellar RPC that the real `rpc.Server` (with `allowHttp: true`) can point at.
 * Resolves once it listens; funded accounts get fresh random keys every start.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveOptions(options);
  const engine = new Engine(resolved.networkPassphrase, resolved.historyRetentionLedgers);
  const faults = new FaultQueue();
  const accounts: FundedAccount[] = [];
  for (let i = 0; i < resolved.fundedAccounts; i += 1) {
    const keypair = Keypair.random();
    engine.fund(keypair.publicKey(), resolved.startingBalance);
    accounts.push(Object.freeze({ publicKey: keypair.publicKey(), secret: keypair.secret() }));
  }
  const { server, stop: stopHolds } = createRpcServer(engine, faults);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const tick = () => {
    try {
      engine.close();
    } catch (err) {
      // A sandbox bug must not crash the process that embeds it (the api's default); say so instead.
      process.emitWarning(`stellar-sandbox: ledger close failed: ${(err as Error).message}`);
    }
  };
  const timer = resolved.ledgerIntervalMs > 0 ? setInterval(tick, resolved.ledgerIntervalMs) : undefined;
  timer?.unref();
  let closed: Promise<void> | undefined;
  return {
    url: urlFor(server.address() as AddressInfo),
    networkPassphrase: resolved.networkPassphrase,
    accounts: Object.freeze(accounts),
    credentialContractId: engine.contract.contractId,
    faults: { inject: (fault) => faults.inject(fault), clear: () => faults.clear() },
    closeLedger: () => engine.close(),
    latestLedger: () => engine.latest().sequence,
    balance: (publicKey) => engine.balance(publicKey),
    sentCount: (hash) => engine.sentCount(hash),
    appliedTransactions: () => engine.appliedTransactions(),
    mintedCredentials: () => engine.contract.list(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        if (timer) clearInterval(timer);
        stopHolds();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
