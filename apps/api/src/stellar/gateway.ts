import {
  createStellarClient,
  decodeResult,
  type StellarClient,
  type SubmissionOutcome,
} from '@app/stellar-instrumented';
import { type Account, rpc, type Transaction } from '@stellar/stellar-sdk';
import type { Registry } from 'prom-client';

/** One operation's own result in an envelope's result XDR (index i = operation i). */
export interface OperationOutcome {
  /** The XDR spec's name of the operation's result, e.g. `PAYMENT_SUCCESS`, `PAYMENT_NO_DESTINATION`, `opBAD_AUTH`. */
  code: string;
  successful: boolean;
  /**
   * The operation failed only because the envelope was built on a stale view of the ledger (its
   * create_account found the account already created, e.g. by a concurrent envelope on another
   * channel): a new envelope built now would succeed.
   */
  stale: boolean;
}

/** Where an envelope stands: the machine settles each job from its own operation. */
export type EnvelopeResult =
  /** Included in a ledger: the sequence number is consumed. `successful` false = `txFAILED` (nothing moved). */
  | { kind: 'applied'; ledger: number; successful: boolean; resultCode: string; operations: OperationOutcome[] }
  /**
   * The envelope can never be applied: `expired` (its time bound passed on the ledger, or a `txTOO_LATE`
   * refusal) or `rejected` (any other refusal of `sendTransaction`, with the per-operation results when
   * the network gave them, e.g. an `ERROR` `txFAILED`).
   */
  | {
      kind: 'void';
      cause: VoidCause;
      resultCode: string;
      operations: OperationOutcome[];
      /**
       * Why the network refused it, in its own words: the decoded messages of the diagnostic events of an
       * `ERROR` answer (e.g. `transaction sorobanData.resourceFee is lower than the actual Soroban resource
       * fee`), at most 5 of at most 500 characters each; absent or empty when the network gave none.
       */
      diagnostics?: string[];
    }
  /**
   * Not known yet, or nothing reached the network: the identical envelope is resent later.
   * `tryAgainLater`: every send was answered TRY_AGAIN_LATER (the RPC / core is congested; nothing queued).
   */
  | { kind: 'pending'; reason: string; tryAgainLater?: boolean };

/**
 * Why an envelope is void; decides `expired` or `failed` once a job's attempts are used up. `unsent`:
 * its time bound passed while every send was answered TRY_AGAIN_LATER (never queued): no job's fault,
 * no attempt counted.
 */
export type VoidCause = 'expired' | 'rejected' | 'unsent';

/** A stored hash on the ledger, with the ledger's clock (for time bounds). */
export type LookupResult =
  | (Extract<EnvelopeResult, { kind: 'applied' }> & { latestLedgerCloseTime: number })
  | {
      kind: 'not_found';
      latestLedger: number;
      /** Close time (unix seconds) of the latest ledger the RPC knows. */
      latestLedgerCloseTime: number;
      /**
       * Close time (unix seconds) of the oldest ledger the RPC still holds (stellar-rpc keeps a bounded
       * history window: 7 days by default, often far less). NOT_FOUND says nothing about transactions
       * applied before it. Undefined when the RPC left it out (then it proves nothing).
       */
      oldestLedgerCloseTime: number | undefined;
    };

/** The Stellar RPC operations the on-chain jobs use. */
export interface StellarGateway {
  getAccount(publicKey: string): Promise<Account>;
  /**
   * The account's current sequence number as the ledger holds it (one `getLedgerEntries`); undefined
   * when the account does not exist. Rejects when the RPC fails.
   */
  sequenceOf(publicKey: string): Promise<bigint | undefined>;
  /** Which of `publicKeys` (at most 200) exist, with one `getLedgerEntries` request; rejects when the RPC fails. */
  existingAccounts(publicKeys: readonly string[]): Promise<Set<string>>;
  /** Native balance in XLM (stroops / 10^7); rejects when the account is missing or the RPC fails. */
  balanceXlm(publicKey: string): Promise<number>;
  prepare(tx: Transaction): Promise<Transaction>;
  /** Sends the identical envelope (resending is safe) and waits for its outcome. */
  submit(tx: Transaction, method: string): Promise<EnvelopeResult>;
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

/** sendTransaction's status when stellar-core's queue is full (the instrumented client's resultCode for it). */
export const RESULT_TRY_AGAIN_LATER = 'TRY_AGAIN_LATER';

/** Operation results that a rebuilt envelope cures (see OperationOutcome.stale). */
const STALE_CODES: ReadonlySet<string> = new Set(['CREATE_ACCOUNT_ALREADY_EXIST']);

/** Every operation result's success variant is `<OPERATION>_SUCCESS` in the XDR spec (decodeResult's names). */
function operations(codes: readonly string[] | undefined): OperationOutcome[] {
  return (codes ?? []).map((code) => ({ code, successful: code.endsWith('_SUCCESS'), stale: STALE_CODES.has(code) }));
}

function voidResult(outcome: SubmissionOutcome, cause: VoidCause): EnvelopeResult {
  return {
    kind: 'void',
    cause,
    resultCode: outcome.resultCode ?? outcome.reason ?? outcome.status,
    operations: operations(outcome.operationResultCodes),
    diagnostics: (outcome.diagnosticEvents ?? []).slice(0, 5).map((event) => event.message.slice(0, 500)),
  };
}

/** The SDK types close times as numbers but passes on the RPC's JSON strings; a missing one is undefined. */
function seconds(value: number | string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
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
    async sequenceOf(publicKey) {
      const entries = await client.getAccountEntries([publicKey]);
      const entry = entries.get(publicKey);
      return entry ? BigInt(entry.seqNum.toString()) : undefined;
    },
    async existingAccounts(publicKeys) {
      return new Set((await client.getAccountEntries(publicKeys)).keys());
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
        case 'failed':
          return {
            kind: 'applied',
            ledger: outcome.ledger ?? 0,
            successful: outcome.status === 'success',
            resultCode: outcome.resultCode ?? outcome.status,
            operations: operations(outcome.operationResultCodes),
          };
        case 'expired':
          // No poll: the send phase saw only TRY_AGAIN_LATER until the time bound (nothing was queued).
          if (outcome.polls === 0)
            return { kind: 'void', cause: 'unsent', resultCode: RESULT_TRY_AGAIN_LATER, operations: [] };
          return voidResult(outcome, 'expired');
        case 'rejected':
          // TRY_AGAIN_LATER is not a refusal: nothing was queued, the identical envelope may be sent again.
          if (outcome.resultCode === RESULT_TRY_AGAIN_LATER) {
            return { kind: 'pending', reason: RESULT_TRY_AGAIN_LATER, tryAgainLater: true };
          }
          return voidResult(outcome, outcome.resultCode === 'txTOO_LATE' ? 'expired' : 'rejected');
        default:
          // `indeterminate`, or `error` (nothing reached the network): the stored envelope is resent later.
          return { kind: 'pending', reason: outcome.reason ?? outcome.status };
      }
    },
    async lookup(hash) {
      // Through the instrumented client: a timeout, a span and stellar_rpc_requests_total.
      const response = await client.getTransaction(hash);
      if (
        response.status === rpc.Api.GetTransactionStatus.SUCCESS ||
        response.status === rpc.Api.GetTransactionStatus.FAILED
      ) {
        const decoded = decodeResult(response.resultXdr);
        return {
          kind: 'applied',
          ledger: response.ledger,
          successful: response.status === rpc.Api.GetTransactionStatus.SUCCESS,
          resultCode: decoded.resultCode,
          operations: operations(decoded.operationResultCodes),
          latestLedgerCloseTime: response.latestLedgerCloseTime,
        };
      }
      return {
        kind: 'not_found',
        latestLedger: response.latestLedger,
        latestLedgerCloseTime: Number(response.latestLedgerCloseTime),
        oldestLedgerCloseTime: seconds(response.oldestLedgerCloseTime),
      };
    },
    async ping() {
      try {
        return (await client.getHealth()).status === 'healthy';
      } catch {
        return false;
      }
    },
  };
}
