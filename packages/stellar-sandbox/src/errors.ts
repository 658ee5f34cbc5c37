/** Stable codes for errors a user of the sandbox can cause. */
export const SandboxErrorCode = {
  INVALID_OPTION: 'SANDBOX_ERR_INVALID_OPTION',
  INVALID_FAULT: 'SANDBOX_ERR_INVALID_FAULT',
  UNKNOWN_ACCOUNT: 'SANDBOX_ERR_UNKNOWN_ACCOUNT',
} as const;

export type SandboxErrorCode = (typeof SandboxErrorCode)[keyof typeof SandboxErrorCode];

/** An error the caller caused (bad option, malformed fault, unknown account). */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode;

  constructor(code: SandboxErrorCode, message: string) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
  }
}
