export { SandboxError, SandboxErrorCode } from './errors';
export { DEFAULT_NETWORK_PASSPHRASE } from './names';
export { startSandbox } from './sandbox';
export type {
  AppliedTransaction,
  Fault,
  FaultController,
  FaultKind,
  FundedAccount,
  MintedCredential,
  Sandbox,
  SandboxOptions,
} from './types';
