import type { Keypair } from '@stellar/stellar-sdk';
import type { Pool } from 'pg';
import type { AuditSink } from './audit-port';
import type { Config } from './config';
import type { ServiceMetrics } from './service-metrics';
import type { StellarGateway } from './stellar/gateway';
import type { JobHooks } from './stellar/onchain-jobs';
import type { KeyValueStore } from './store/key-value';

/** The Stellar side the service talks to (the sandbox by default). */
export interface StellarSetup {
  gateway: StellarGateway;
  networkPassphrase: string;
  /** Pays rewards; its sequence numbers belong to reward payouts only. */
  distributor: Keypair;
  /**
   * Channel accounts: the transaction sources of reward payouts (the distributor stays the
   * operations' source). Empty: the distributor is its own source.
   */
  channels: Keypair[];
  /** Sends credential mints; a different account from the distributor. */
  issuer: Keypair;
  credentialContractId: string;
  /** The RPC URL behind `gateway` (named, without path or query, in outage messages). */
  rpcUrl: string;
}

/** Everything the app plugin needs; server.ts (or a test) builds it. */
export interface AppOptions {
  config: Config;
  pool: Pool;
  store: KeyValueStore;
  stellar: StellarSetup;
  metrics: ServiceMetrics;
  audit: AuditSink;
  /** Run the background reconciler (default true). */
  reconciler?: boolean;
  /** Crash injection for tests. */
  hooks?: JobHooks;
}
