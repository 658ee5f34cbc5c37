import {
  Account,
  Asset,
  Keypair,
  Operation,
  rpc,
  type Transaction,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk';
import { type Sandbox, type SandboxOptions, startSandbox } from '../src';

export interface Harness {
  sandbox: Sandbox;
  server: rpc.Server;
  keypair(index: number): Keypair;
}

/** A sandbox whose ledgers close only on demand, and an SDK client pointed at it. */
export async function harness(options: SandboxOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox({ ledgerIntervalMs: 0, ...options });
  const server = new rpc.Server(sandbox.url, { allowHttp: true });
  return { sandbox, server, keypair: (i) => Keypair.fromSecret(sandbox.accounts[i]!.secret) };
}

export function hashHex(tx: Transaction): string {
  return Buffer.from(tx.hash()).toString('hex');
}

export interface PaymentOptions {
  amount?: string;
  destination?: string;
  fee?: string;
  sequence?: string;
  timeoutSeconds?: number;
  timebounds?: { minTime: number; maxTime: number };
  networkPassphrase?: string;
  signers?: Keypair[];
}

/** Builds and signs a native XLM payment from `from`, loading its sequence through the SDK. */
export async function payment(h: Harness, from: Keypair, to: string, opts: PaymentOptions = {}): Promise<Transaction> {
  const loaded = await h.server.getAccount(from.publicKey());
  const account = opts.sequence ? new Account(from.publicKey(), opts.sequence) : loaded;
  const builder = new TransactionBuilder(account, {
    fee: opts.fee ?? '100',
    networkPassphrase: opts.networkPassphrase ?? h.sandbox.networkPassphrase,
    ...(opts.timebounds ? { timebounds: opts.timebounds } : {}),
  }).addOperation(
    Operation.payment({ destination: opts.destination ?? to, asset: Asset.native(), amount: opts.amount ?? '10' }),
  );
  if (!opts.timebounds) builder.setTimeout(opts.timeoutSeconds ?? 30);
  const tx = builder.build();
  for (const signer of opts.signers ?? [from]) tx.sign(signer);
  return tx;
}

/** Closes a ledger and returns the SDK's parsed getTransaction answer for `hash`. */
export async function closeAndGet(h: Harness, hash: string): Promise<rpc.Api.GetTransactionResponse> {
  await h.sandbox.closeLedger();
  return h.server.getTransaction(hash);
}

export function resultType(result: xdr.TransactionResult | undefined): string | undefined {
  return result?.result.type;
}

/** The op-specific result code of operation `index` (e.g. `paymentUnderfunded`). */
export function opResultType(result: xdr.TransactionResult, index = 0): string {
  const r = result.result;
  if (r.type !== 'txSuccess' && r.type !== 'txFailed') return r.type;
  const op = r.results[index]!;
  return op.type === 'opInner' ? op.tr.value.type : op.type;
}
