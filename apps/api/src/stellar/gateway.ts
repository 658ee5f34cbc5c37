import { type Account, type FeeBumpTransaction, rpc, type Transaction, type xdr } from '@stellar/stellar-sdk';

/** What a send told us: accepted (or already known), rejected, or unknown (retry later). */
export type SendResult =
  | { kind: 'accepted' }
  | { kind: 'rejected'; resultCode: string }
  | { kind: 'unknown'; reason: string };

/** Where a transaction stands on the ledger, with the ledger's clock for time bounds. */
export type LookupResult =
  | { kind: 'success'; ledger: number; latestLedgerCloseTime: number }
  | { kind: 'failed'; ledger: number; resultCode: string; latestLedgerCloseTime: number }
  | { kind: 'not_found'; latestLedgerCloseTime: number };

/** The Stellar RPC operations the on-chain jobs use. */
export interface StellarGateway {
  getAccount(publicKey: string): Promise<Account>;
  accountExists(publicKey: string): Promise<boolean>;
  prepare(tx: Transaction): Promise<Transaction>;
  send(tx: Transaction | FeeBumpTransaction, method: string): Promise<SendResult>;
  lookup(hash: string, method: string): Promise<LookupResult>;
  ping(): Promise<boolean>;
}

type Variant = { readonly type: string; readonly value?: unknown; readonly results?: readonly unknown[] };

/** `txBadSeq` → `txBAD_SEQ`: the spelling of the XDR spec, core and the RPC docs. */
function specName(variant: string): string {
  const match = /^(tx|op)([A-Z].*)$/.exec(variant);
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return match ? match[1] + snake(match[2]!) : snake(variant);
}

/** The transaction result code, or the first operation's code when the transaction failed on an operation. */
function resultCodeOf(result: xdr.TransactionResult | undefined): string {
  try {
    if (!result) return 'unknown';
    const body = result.result as Variant;
    if (body.type !== 'txFailed') return specName(body.type);
    const op = body.results?.[0] as Variant | undefined;
    const tr = op?.type === 'opInner' ? (op.value as Variant | undefined) : op;
    const inner = tr?.value as Variant | undefined;
    return specName(inner?.type ?? tr?.type ?? body.type);
  } catch {
    return 'unknown';
  }
}

/** A gateway straight on `rpc.Server`. */
export function rpcGateway(server: rpc.Server): StellarGateway {
  return {
    getAccount: (publicKey) => server.getAccount(publicKey),
    async accountExists(publicKey) {
      try {
        await server.getAccountEntry(publicKey);
        return true;
      } catch (error) {
        if (error instanceof Error && /not found/i.test(error.message)) return false;
        throw error;
      }
    },
    prepare: (tx) => server.prepareTransaction(tx) as Promise<Transaction>,
    async send(tx) {
      try {
        const response = await server.sendTransaction(tx);
        if (response.status === 'PENDING' || response.status === 'DUPLICATE') return { kind: 'accepted' };
        if (response.status === 'ERROR') return { kind: 'rejected', resultCode: resultCodeOf(response.errorResult) };
        return { kind: 'unknown', reason: response.status };
      } catch (error) {
        return { kind: 'unknown', reason: error instanceof Error ? error.message : String(error) };
      }
    },
    async lookup(hash) {
      const response = await server.getTransaction(hash);
      if (response.status === rpc.Api.GetTransactionStatus.SUCCESS) {
        return { kind: 'success', ledger: response.ledger, latestLedgerCloseTime: response.latestLedgerCloseTime };
      }
      if (response.status === rpc.Api.GetTransactionStatus.FAILED) {
        return {
          kind: 'failed',
          ledger: response.ledger,
          resultCode: resultCodeOf(response.resultXdr),
          latestLedgerCloseTime: response.latestLedgerCloseTime,
        };
      }
      return { kind: 'not_found', latestLedgerCloseTime: response.latestLedgerCloseTime };
    },
    async ping() {
      try {
        const health = await server.getHealth();
        return health.status === 'healthy';
      } catch {
        return false;
      }
    },
  };
}
