/** How the sandbox starts. Every field is optional. */
export interface SandboxOptions {
  /** TCP port to listen on; `0` (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Network passphrase the sandbox signs and hashes under; default `Standalone Network ; February 2017`. */
  networkPassphrase?: string;
  /**
   * Milliseconds between automatic ledger closes; default 1000. `0` disables the timer, so ledgers
   * close only through `closeLedger()` (deterministic tests).
   */
  ledgerIntervalMs?: number;
  /** How many funded accounts to create with random keys; default 3. */
  fundedAccounts?: number;
  /** Starting balance of each funded account in XLM (decimal string); default `10000`. */
  startingBalance?: string;
  /**
   * How many of the latest ledgers `getTransaction` keeps (stellar-rpc's `HISTORY_RETENTION_WINDOW`);
   * default 120960 (about 7 days of 5 s ledgers). Older transactions answer `NOT_FOUND`, and
   * `oldestLedger` / `oldestLedgerCloseTime` (getTransaction, getHealth) name the oldest ledger kept,
   * as a real node with a short window (or one just started behind a load balancer) answers.
   */
  historyRetentionLedgers?: number;
}

/** A funded account. The secret is only ever returned here; the sandbox never logs it. */
export interface FundedAccount {
  publicKey: string;
  secret: string;
}

/** A transaction included in a closed ledger (successful or not). */
export interface AppliedTransaction {
  hash: string;
  ledger: number;
  successful: boolean;
}

/** A credential minted by the sandbox's credential contract. */
export interface MintedCredential {
  /** Recipient address (G… account or C… contract). */
  to: string;
  courseId: string;
  /** Hash of the transaction that minted it. */
  hash: string;
}

/** The kinds of fault the sandbox can inject. */
export type FaultKind =
  | 'latency'
  | 'try_again_later'
  | 'error'
  | 'tx_failed'
  | 'never_confirm'
  | 'http_5xx'
  | 'drop_connection';

/**
 * A fault to inject. Faults are consumed in the order they were injected; each applies to the next
 * `times` matching calls (RPC-level kinds) or transactions (`try_again_later`, `error`, `never_confirm`,
 * `tx_failed`, which only ever match `sendTransaction`).
 */
export interface Fault {
  /** JSON-RPC method the fault applies to; default: any method (transaction kinds: `sendTransaction`). */
  rpcMethod?: string;
  kind: FaultKind;
  /** How many matching calls/transactions it applies to; default 1. `Infinity` keeps it until `clear()`. */
  times?: number;
  /** `latency` only: how long to hold the request before handling it; default 1000 ms. */
  delayMs?: number;
  /**
   * `error`: the transaction result code of the ERROR response (e.g. `txBAD_SEQ`, `txINSUFFICIENT_FEE`);
   * default `txINTERNAL_ERROR`.
   * `tx_failed`: the operation failure recorded for the included transaction (`opUNDERFUNDED`,
   * `opNO_DESTINATION`, `opLOW_RESERVE`, `opALREADY_EXISTS`, `opMALFORMED`, `opTRAPPED`, `opBAD_AUTH`,
   * `opNO_ACCOUNT`, `opNOT_SUPPORTED`); default `opUNDERFUNDED`.
   */
  resultCode?: string;
  /**
   * `error` only: the answer carries one diagnostic event (`diagnosticEventsXdr`) with this message,
   * as stellar-core explains some refusals (e.g. `txSOROBAN_INVALID`).
   */
  diagnostic?: string;
  /** `tx_failed` only: index of the operation that fails (default 0; past the last, the last one). */
  operationIndex?: number;
  /**
   * `tx_failed` only: the fault waits for a transaction with a payment or create-account operation
   * to this account (G…), and that operation fails (instead of `operationIndex`). Other
   * transactions pass it by, so it picks one operation out of concurrent batches.
   */
  destination?: string;
}

/** Injects and clears faults on a running sandbox. */
export interface FaultController {
  /** Queues a fault; throws `SandboxError` (`SANDBOX_ERR_INVALID_FAULT`) when it is malformed. */
  inject(fault: Fault): void;
  /** Removes every queued fault. */
  clear(): void;
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL to hand to `new rpc.Server(url, { allowHttp: true })`. */
  url: string;
  networkPassphrase: string;
  /** Funded accounts with their keys (for tests and local development). */
  accounts: ReadonlyArray<FundedAccount>;
  /** `C…` id of the credential contract whose `mint(to, course_id)` the sandbox executes. */
  credentialContractId: string;
  faults: FaultController;
  /** Closes a ledger now, including every pending transaction. */
  closeLedger(): Promise<void> | void;
  /** Sequence of the latest closed ledger. */
  latestLedger(): number;
  /** Balance in XLM with 7 decimals; throws `SANDBOX_ERR_UNKNOWN_ACCOUNT` for an account that does not exist. */
  balance(publicKey: string): string;
  /** How many times `sendTransaction` saw this hash (every call, whatever its answer). */
  sentCount(hash: string): number;
  /** Transactions included in ledgers, in application order. */
  appliedTransactions(): ReadonlyArray<AppliedTransaction>;
  /** Credentials minted so far. */
  mintedCredentials(): ReadonlyArray<MintedCredential>;
  /** Stops the ledger timer and the HTTP server (open connections are closed). */
  close(): Promise<void>;
}
