/** Default network passphrase: the one of a standalone stellar-core / quickstart. */
export const DEFAULT_NETWORK_PASSPHRASE = 'Standalone Network ; February 2017';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_LEDGER_INTERVAL_MS = 1000;
export const DEFAULT_FUNDED_ACCOUNTS = 3;
export const DEFAULT_STARTING_BALANCE = '10000';
export const DEFAULT_LATENCY_MS = 1000;

/** Protocol the sandbox reports (and writes into ledger headers). */
export const PROTOCOL_VERSION = 23;
/** Network constants, as on pubnet: 100 stroops per operation, 0.5 XLM base reserve. */
export const BASE_FEE_STROOPS = 100n;
export const BASE_RESERVE_STROOPS = 5_000_000n;
export const STROOPS_PER_XLM = 10_000_000n;
/** Ledgers kept for getTransaction: stellar-rpc's stock retention window (about 7 days). */
export const LEDGER_RETENTION_WINDOW = 120960;

/** What the credential contract charges in simulation (stroops), and the resources it declares. */
export const MINT_RESOURCE_FEE_STROOPS = 60_000n;
export const MINT_INSTRUCTIONS = 2_000_000;
export const MINT_DISK_READ_BYTES = 1_000;
export const MINT_WRITE_BYTES = 300;
export const CREDENTIAL_MINT_FUNCTION = 'mint';

/** JSON-RPC method names the sandbox answers. */
export const RpcMethod = {
  GET_HEALTH: 'getHealth',
  GET_NETWORK: 'getNetwork',
  GET_LATEST_LEDGER: 'getLatestLedger',
  GET_LEDGER_ENTRIES: 'getLedgerEntries',
  SIMULATE_TRANSACTION: 'simulateTransaction',
  SEND_TRANSACTION: 'sendTransaction',
  GET_TRANSACTION: 'getTransaction',
  GET_FEE_STATS: 'getFeeStats',
  GET_VERSION_INFO: 'getVersionInfo',
} as const;

/** JSON-RPC 2.0 error codes, as stellar-rpc uses them. */
export const JsonRpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

export const FAULT_KINDS = [
  'latency',
  'try_again_later',
  'error',
  'tx_failed',
  'never_confirm',
  'http_5xx',
  'drop_connection',
] as const;

/** Fault kinds that act on a submitted transaction (and so only on sendTransaction). */
export const TRANSACTION_FAULT_KINDS = ['try_again_later', 'error', 'tx_failed', 'never_confirm'] as const;
