import { createStellarClient, decodeResult, type StellarClient } from '@app/stellar-instrumented';
import { type Account, rpc, type Transaction } from '@stellar/stellar-sdk';
import type { Registry } from 'prom-client';

/**
 * How a submission ended, reduced to what the state machine does next:
 * settle (`success`, `failed`), build a new envelope (`retry`: refused,
 * expired, or never sent), or leave the stored envelope to the reconciler (`pending`).
 */
export type SubmitResult =
  | { kind: 'success'; ledger: number }
  | { kind: 'failed'; ledger: number; resultCode: string }
  /**
   * The envelope can never be applied: `expired` (its time bound passed on the ledger, or a
   * `txTOO_LATE` refusal), `rejected` (any other refusal), `unsent` (nothing reached the network).
   */
  | { kind: 'retry'; cause: RetryCause; resultCode: string }
  | { kind: 'pending'; reason: string };

/** Why an envelope is void; decides `expired` or `failed` once the attempts are used up. */
export type RetryCause = 'expired' | 'rejected' | 'unsent';

/** Where a stored hash stands on the ledger, with the ledger's clock for time bounds. */
export type LookupResult =
  | { kind: 'success'; ledger: number; latestLedgerCloseTime: number }
  | { kind: 'failed'; ledger: number; resultCode: string; latestLedgerCloseTime: number }
  | { kind: 'not_found'; latestLedgerCloseTime: number };

/** The Stellar RPC operations the on-chain jobs use. */
export interface StellarGateway {
  getAccount(publicKey: string): Promise<Account>;
  accountExists(publicKey: string): Promise<boolean>;
  /** Native balance in XLM (stroops / 10^7); rejects when the account is missing or the RPC fails. */
  balanceXlm(publicKey: string): Promise<number>;
  prepare(tx: Transaction): Promise<Transaction>;
  /** Sends the identical envelope (resending is safe) and waits for its outcome. */
  submit(tx: Transaction, method: string): Promise<SubmitResult>;
  /** One `getTransaction`: never sends. */
  lookup(hash: string): Promise<LookupResult>;
  ping(): Promise<boolean>;
}

export interface GatewayOptions {
  /** Registry for stellar_transactions_total and friends (@app/stellar-instrumented). */
  registry?: Registry;
  pollIntervalMs?: number;
  /** Longest wait for one outcome; past the envelope's time bound it ends `expired`. */
  maxPollDurationMs?: number;
}

function failureCode(outcome: { resultCode?: string; operationResultCodes?: string[]; reason?: string }): string {
  return outcome.operationResultCodes?.[0] ?? outcome.resultCode ?? outcome.reason ?? 'unknown';
}

/** A gateway on `rpc.Server` through @app/stellar-instrumented (metrics, spans, timeouts, safe resends). */
export function rpcGateway(server: rpc.Server, options: GatewayOptions = {}): StellarGateway {
  const client: StellarClient = createStellarClient({
    server,
    ...(options.registry ? { registry: options.registry } : {}),
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    maxPollDurationMs: options.maxPollDurationMs ?? 60_000,
  });
  return {
    getAccount: (publicKey) => client.getAccount(publicKey),
    async accountExists(publicKey) {
      try {
        await client.getAccount(publicKey);
        return true;
      } catch (error) {
        if (error instanceof Error && /not found/i.test(error.message)) return false;
        throw error;
      }
    },
    async balanceXlm(publicKey) {
      const entry = await client.getAccountEntry(publicKey);
      return Number(entry.balance) / 1e7;
    },
    prepare: (tx) => client.prepareTransaction(tx),
    async submit(tx, method) {
      const outcome = await client.submitAndWait(tx, { method });
      switch (outcome.status) {
        case 'success':
          return { kind: 'success', ledger: outcome.ledger ?? 0 };
        case 'failed':
          return { kind: 'failed', ledger: outcome.ledger ?? 0, resultCode: failureCode(outcome) };
        case 'expired':
          return { kind: 'retry', cause: 'expired', resultCode: failureCode(outcome) };
        case 'rejected':
          return {
            kind: 'retry',
            cause: outcome.resultCode === 'txTOO_LATE' ? 'expired' : 'rejected',
            resultCode: failureCode(outcome),
          };
        case 'error':
          return { kind: 'retry', cause: 'unsent', resultCode: failureCode(outcome) };
        default:
          return { kind: 'pending', reason: outcome.reason ?? outcome.status };
      }
    },
    async lookup(hash) {
      // Through the instrumented client: a timeout, a span and stellar_rpc_requests_total.
      const response = await client.getTransaction(hash);
      if (response.status === rpc.Api.GetTransactionStatus.SUCCESS) {
        return { kind: 'success', ledger: response.ledger, latestLedgerCloseTime: response.latestLedgerCloseTime };
      }
      if (response.status === rpc.Api.GetTransactionStatus.FAILED) {
        return {
          kind: 'failed',
          ledger: response.ledger,
          resultCode: failureCode(decodeResult(response.resultXdr)),
          latestLedgerCloseTime: response.latestLedgerCloseTime,
        };
      }
      return { kind: 'not_found', latestLedgerCloseTime: response.latestLedgerCloseTime };
    },
    async ping() {
      try {
        return (await server.getHealth()).status === 'healthy';
      } catch {
        return false;
      }
    },
  };
}
