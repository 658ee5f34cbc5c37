#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { SandboxError } from './errors';
import { startSandbox } from './sandbox';

const USAGE = `Usage: stellar-sandbox [--port 8000] [--host 127.0.0.1] [--ledger-interval-ms 1000]
                       [--accounts 3] [--starting-balance 10000] [--network-passphrase "..."]
                       [--show-secrets] [--json]

Starts a local Stellar RPC (JSON-RPC 2.0) and prints its URL, passphrase, credential contract id
and funded account public keys. Secrets are printed only with --show-secrets (local development).`;

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new SandboxError('SANDBOX_ERR_INVALID_OPTION', `--${name} must be a number, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'ledger-interval-ms': { type: 'string' },
      accounts: { type: 'string' },
      'starting-balance': { type: 'string' },
      'network-passphrase': { type: 'string' },
      'show-secrets': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sandbox = await startSandbox({
    port: numberOption(values.port, 'port'),
    host: values.host,
    ledgerIntervalMs: numberOption(values['ledger-interval-ms'], 'ledger-interval-ms'),
    fundedAccounts: numberOption(values.accounts, 'accounts'),
    startingBalance: values['starting-balance'],
    networkPassphrase: values['network-passphrase'],
  });
  const accounts = sandbox.accounts.map((a) =>
    values['show-secrets'] ? { publicKey: a.publicKey, secret: a.secret } : { publicKey: a.publicKey },
  );
  if (values.json) {
    const info = {
      url: sandbox.url,
      networkPassphrase: sandbox.networkPassphrase,
      credentialContractId: sandbox.credentialContractId,
      accounts,
    };
    process.stdout.write(`${JSON.stringify(info)}\n`);
  } else {
    const lines = [
      `url: ${sandbox.url}`,
      `networkPassphrase: ${sandbox.networkPassphrase}`,
      `credentialContractId: ${sandbox.credentialContractId}`,
      ...accounts.map((a, i) => `account[${i}]: ${a.publicKey}${'secret' in a ? ` ${a.secret}` : ''}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  const stop = () => {
    sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`stellar-sandbox: ${message}\n`);
  process.exit(1);
});
