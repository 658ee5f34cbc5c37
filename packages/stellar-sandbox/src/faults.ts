import { type OperationRecord, StrKey, type Transaction } from '@stellar/stellar-sdk';
import { SandboxError, SandboxErrorCode } from './errors';
import { DEFAULT_LATENCY_MS, FAULT_KINDS, RpcMethod, TRANSACTION_FAULT_KINDS } from './names';
import type { Fault, FaultController, FaultKind } from './types';
import { ERROR_FAULT_CODES, TX_FAILED_FAULT_CODES } from './xdr-results';

interface QueuedFault {
  kind: FaultKind;
  rpcMethod: string | undefined;
  remaining: number;
  delayMs: number;
  resultCode: string | undefined;
  diagnostic: string | undefined;
  operationIndex: number | undefined;
  destination: string | undefined;
}

/** What a consumed fault tells the server to do. */
export interface FiredFault {
  kind: FaultKind;
  delayMs: number;
  resultCode: string | undefined;
  /** `error`: message of one diagnostic event attached to the answer. */
  diagnostic: string | undefined;
  /** `tx_failed`: which operation fails. */
  operationIndex: number | undefined;
  /** `tx_failed`: the operation to this account fails. */
  destination: string | undefined;
}

/** Index of the first payment or create-account operation to `destination`, or -1. */
export function operationTo(tx: Pick<Transaction, 'operations'>, destination: string): number {
  return tx.operations.findIndex(
    (op: OperationRecord) => (op.type === 'payment' || op.type === 'createAccount') && op.destination === destination,
  );
}

function invalid(message: string): SandboxError {
  return new SandboxError(SandboxErrorCode.INVALID_FAULT, message);
}

function isTransactionKind(kind: FaultKind): boolean {
  return (TRANSACTION_FAULT_KINDS as readonly string[]).includes(kind);
}

/** Faults queued for the next N matching calls, consumed in injection order. */
export class FaultQueue implements FaultController {
  private queue: QueuedFault[] = [];

  inject(fault: Fault): void {
    if (!fault || !(FAULT_KINDS as readonly string[]).includes(fault.kind)) {
      throw invalid(`unknown fault kind ${JSON.stringify(fault?.kind)}; expected one of ${FAULT_KINDS.join(', ')}`);
    }
    const times = fault.times ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times > 0))) {
      throw invalid(`fault times must be a positive integer or Infinity, got ${fault.times}`);
    }
    if (fault.delayMs !== undefined && !(Number.isFinite(fault.delayMs) && fault.delayMs >= 0)) {
      throw invalid(`fault delayMs must be a non-negative number, got ${fault.delayMs}`);
    }
    if (isTransactionKind(fault.kind) && fault.rpcMethod && fault.rpcMethod !== RpcMethod.SEND_TRANSACTION) {
      throw invalid(`fault kind ${fault.kind} only applies to sendTransaction, not ${fault.rpcMethod}`);
    }
    if (fault.resultCode !== undefined) {
      const allowed =
        fault.kind === 'error' ? ERROR_FAULT_CODES : fault.kind === 'tx_failed' ? TX_FAILED_FAULT_CODES : undefined;
      if (!allowed) throw invalid(`fault kind ${fault.kind} takes no resultCode`);
      if (!allowed.includes(fault.resultCode)) {
        throw invalid(
          `resultCode ${fault.resultCode} is not valid for ${fault.kind}; expected one of ${allowed.join(', ')}`,
        );
      }
    }
    if (fault.diagnostic !== undefined && (fault.kind !== 'error' || typeof fault.diagnostic !== 'string')) {
      throw invalid('fault diagnostic is a message string, and only for kind error');
    }
    if (
      fault.operationIndex !== undefined &&
      (fault.kind !== 'tx_failed' || !Number.isInteger(fault.operationIndex) || fault.operationIndex < 0)
    ) {
      throw invalid(
        `fault operationIndex must be a non-negative integer, and only for kind tx_failed; got ${fault.operationIndex}`,
      );
    }
    if (
      fault.destination !== undefined &&
      (fault.kind !== 'tx_failed' ||
        typeof fault.destination !== 'string' ||
        !StrKey.isValidEd25519PublicKey(fault.destination))
    ) {
      throw invalid('fault destination must be an account id (G...), and only for kind tx_failed');
    }
    this.queue.push({
      kind: fault.kind,
      rpcMethod: isTransactionKind(fault.kind) ? RpcMethod.SEND_TRANSACTION : fault.rpcMethod,
      remaining: times,
      delayMs: fault.delayMs ?? DEFAULT_LATENCY_MS,
      resultCode: fault.resultCode,
      diagnostic: fault.diagnostic,
      operationIndex: fault.operationIndex,
      destination: fault.destination,
    });
  }

  clear(): void {
    this.queue = [];
  }

  /** Consumes the first queued fault of one of `kinds` that matches `rpcMethod` (and `tx`, for a `destination` fault). */
  take(rpcMethod: string, kinds: readonly FaultKind[], tx?: Pick<Transaction, 'operations'>): FiredFault | undefined {
    const index = this.queue.findIndex(
      (f) =>
        kinds.includes(f.kind) &&
        (f.rpcMethod === undefined || f.rpcMethod === rpcMethod) &&
        (f.destination === undefined || (tx !== undefined && operationTo(tx, f.destination) >= 0)),
    );
    if (index < 0) return undefined;
    const fault = this.queue[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.queue.splice(index, 1);
    return {
      kind: fault.kind,
      delayMs: fault.delayMs,
      resultCode: fault.resultCode,
      diagnostic: fault.diagnostic,
      operationIndex: fault.operationIndex,
      destination: fault.destination,
    };
  }
}
