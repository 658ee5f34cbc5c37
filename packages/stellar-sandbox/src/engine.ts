import {
  extractBaseAddress,
  FeeBumpTransaction,
  StrKey,
  type Transaction,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk';
import { stroopsToXlm } from './amount';
import { applyTransaction } from './apply-transaction';
import { CredentialContract } from './credential-contract';
import { diagnosticErrorEvent } from './diagnostics';
import { SandboxError, SandboxErrorCode } from './errors';
import type { FiredFault } from './faults';
import { operationTo } from './faults';
import type { PendingTx, TxRecord } from './internal-types';
import { LEDGER_RETENTION_WINDOW } from './names';
import type { AccountMap } from './operations';
import { chargedFee } from './tx-info';
import type { AppliedTransaction } from './types';
import { validateSubmission } from './validate';
import { type AccountSnapshot, accountLedgerEntry, buildLedger, type ClosedLedger, toHex } from './xdr-ledger';
import { isVoidTxCode, type OpCode, operationResult, opsTxResult, voidTxResult } from './xdr-results';

/** What sendTransaction answers, before the JSON envelope is added. */
export interface SendOutcome {
  status: 'PENDING' | 'DUPLICATE' | 'TRY_AGAIN_LATER' | 'ERROR';
  hash: string;
  errorResultXdr?: string;
  /** Base64 `DiagnosticEvent`s explaining an ERROR, as stellar-rpc sends them. */
  diagnosticEventsXdr?: string[];
}

/** A request the client got wrong, answered as a JSON-RPC error. */
export class InvalidParamsError extends Error {}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The ledger: accounts, the pending queue, closed ledgers and applied transactions. */
export class Engine {
  readonly contract: CredentialContract;
  private readonly accounts: AccountMap = new Map();
  private pending: PendingTx[] = [];
  private readonly neverConfirm = new Set<string>();
  private readonly records = new Map<string, TxRecord>();
  private readonly applied: AppliedTransaction[] = [];
  private readonly sent = new Map<string, number>();
  private ledger: ClosedLedger;
  /** The retained ledgers' sequence and close time, oldest first (at most `retention`). */
  private readonly history: { sequence: number; closeTime: number }[] = [];

  /**
   * @param retention how many of the latest ledgers getTransaction keeps (stellar-rpc's history
   *   retention window); older transactions answer NOT_FOUND and `oldestLedger` moves up.
   */
  constructor(
    readonly networkPassphrase: string,
    private readonly retention: number = LEDGER_RETENTION_WINDOW,
  ) {
    this.contract = new CredentialContract(networkPassphrase);
    this.ledger = buildLedger(1, nowSeconds(), new Uint8Array(32), []);
    this.remember(this.ledger);
  }

  latest(): ClosedLedger {
    return this.ledger;
  }

  /** The oldest ledger still retained: its sequence and close time (unix seconds). */
  oldestLedger(): { sequence: number; closeTime: number } {
    return this.history[0] ?? { sequence: this.ledger.sequence, closeTime: this.ledger.closeTime };
  }

  /** How many ledgers getTransaction keeps (getHealth's `ledgerRetentionWindow`). */
  get retentionWindow(): number {
    return this.retention;
  }

  /** Records a closed ledger; true when the oldest one left the window. */
  private remember(ledger: ClosedLedger): boolean {
    this.history.push({ sequence: ledger.sequence, closeTime: ledger.closeTime });
    if (this.history.length <= this.retention) return false;
    this.history.splice(0, this.history.length - this.retention);
    return true;
  }

  /** Creates an account at the current ledger, as a genesis-style funding. */
  fund(publicKey: string, balance: bigint): void {
    this.accounts.set(publicKey, {
      publicKey,
      balance,
      seqNum: BigInt(this.ledger.sequence) << 32n,
      lastModified: this.ledger.sequence,
    });
  }

  balance(publicKey: string): string {
    const account = this.accounts.get(publicKey);
    if (!account) throw new SandboxError(SandboxErrorCode.UNKNOWN_ACCOUNT, `account ${publicKey} does not exist`);
    return stroopsToXlm(account.balance);
  }

  sentCount(hash: string): number {
    return this.sent.get(hash) ?? 0;
  }

  appliedTransactions(): ReadonlyArray<AppliedTransaction> {
    return this.applied.map((a) => ({ ...a }));
  }

  /** Decodes an envelope; throws InvalidParamsError the way stellar-rpc rejects unparsable XDR. */
  decode(envelopeXdr: unknown): Transaction | FeeBumpTransaction {
    if (typeof envelopeXdr !== 'string' || envelopeXdr.length === 0) {
      throw new InvalidParamsError('invalid parameters: transaction is required');
    }
    try {
      return TransactionBuilder.fromXDR(envelopeXdr, this.networkPassphrase);
    } catch {
      throw new InvalidParamsError('invalid_xdr');
    }
  }

  /** Counts one arrival of a sendTransaction envelope (whatever then happens to it). */
  recordSent(envelopeXdr: unknown): void {
    const hash = toHex(this.decode(envelopeXdr).hash());
    this.sent.set(hash, (this.sent.get(hash) ?? 0) + 1);
  }

  /** Handles sendTransaction for a decoded envelope, applying an injected fault first. */
  send(
    decoded: Transaction | FeeBumpTransaction,
    envelopeXdr: string,
    injected: FiredFault | undefined,
    onAccepted: () => FiredFault | undefined,
  ): SendOutcome {
    const hash = toHex(decoded.hash());
    if (injected?.kind === 'try_again_later') return { status: 'TRY_AGAIN_LATER', hash };
    if (decoded instanceof FeeBumpTransaction) {
      // Fee bumps are outside what the product submits; say so in stellar-core's own terms.
      return { status: 'ERROR', hash, errorResultXdr: voidTxResult('txNOT_SUPPORTED', 0n).toXdr('base64') };
    }
    const tx = decoded;
    if (injected?.kind === 'error') {
      const code = injected.resultCode ?? 'txINTERNAL_ERROR';
      const result = isVoidTxCode(code)
        ? voidTxResult(code, chargedFee(tx))
        : opsTxResult(
            false,
            tx.operations.map((op) => operationResult(op.type, 'opMALFORMED')),
            chargedFee(tx),
          );
      const answer: SendOutcome = { status: 'ERROR', hash, errorResultXdr: result.toXdr('base64') };
      if (injected.diagnostic !== undefined) {
        answer.diagnosticEventsXdr = [diagnosticErrorEvent(injected.diagnostic).toXdr('base64')];
      }
      return answer;
    }
    if (this.pending.some((p) => p.hash === hash)) return { status: 'DUPLICATE', hash };
    const source = extractBaseAddress(tx.source);
    // stellar-core keeps at most one queued transaction per source account.
    if (this.pending.some((p) => p.source === source)) return { status: 'TRY_AGAIN_LATER', hash };
    const rejection = validateSubmission(tx, this.accounts, {
      closeTime: Math.max(this.ledger.closeTime, nowSeconds()),
      nextLedger: this.ledger.sequence + 1,
    });
    if (rejection) {
      const answer: SendOutcome = { status: 'ERROR', hash, errorResultXdr: rejection.result.toXdr('base64') };
      if (rejection.diagnosticEvents)
        answer.diagnosticEventsXdr = rejection.diagnosticEvents.map((e) => e.toXdr('base64'));
      return answer;
    }
    const fault = this.neverConfirm.has(hash) ? { kind: 'never_confirm' as const } : onAccepted();
    if (fault?.kind === 'never_confirm') {
      // Accepted, then lost (as if evicted from every queue): it never reaches a ledger.
      this.neverConfirm.add(hash);
      return { status: 'PENDING', hash };
    }
    const failWith =
      fault?.kind === 'tx_failed'
        ? {
            code: (fault.resultCode ?? 'opUNDERFUNDED') as OpCode,
            index:
              fault.destination === undefined
                ? Math.min(fault.operationIndex ?? 0, tx.operations.length - 1)
                : operationTo(tx, fault.destination),
          }
        : undefined;
    this.pending.push({ hash, tx, source, envelopeXdr, failWith });
    return { status: 'PENDING', hash };
  }

  /** Closes a ledger, applying every pending transaction still valid at its close time. */
  close(): void {
    const sequence = this.ledger.sequence + 1;
    const closeTime = Math.max(this.ledger.closeTime, nowSeconds());
    const envelopes: xdr.TransactionEnvelope[] = [];
    const queue = this.pending;
    this.pending = [];
    for (const p of queue) {
      const account = this.accounts.get(p.source);
      if (!account || !this.stillValid(p.tx, account, closeTime, sequence)) continue;
      const record = applyTransaction(p, account, this.accounts, this.contract, {
        ledger: sequence,
        closeTime,
        order: envelopes.length + 1,
      });
      this.records.set(p.hash, record);
      this.applied.push({ hash: p.hash, ledger: sequence, successful: record.successful });
      envelopes.push(p.tx.toEnvelope());
    }
    this.ledger = buildLedger(sequence, closeTime, this.ledger.hash, envelopes);
    const trimmed = this.remember(this.ledger);
    if (!trimmed) return;
    // Transactions of ledgers that left the window are forgotten, as stellar-rpc trims its history.
    const oldest = this.oldestLedger().sequence;
    for (const [hash, record] of this.records) if (record.ledger < oldest) this.records.delete(hash);
  }

  /** Time bounds, ledger bounds and sequence at close: an invalid transaction is dropped, not included. */
  private stillValid(tx: Transaction, account: AccountSnapshot, closeTime: number, ledger: number): boolean {
    const maxTime = Number(tx.timeBounds?.maxTime ?? 0);
    if (maxTime !== 0 && closeTime > maxTime) return false;
    if (Number(tx.timeBounds?.minTime ?? 0) > closeTime) return false;
    const lb = tx.ledgerBounds;
    if (lb && (ledger < lb.minLedger || (lb.maxLedger !== 0 && ledger >= lb.maxLedger))) return false;
    return BigInt(tx.sequence) === account.seqNum + 1n;
  }

  /** Raw getTransaction answer, field for field as stellar-rpc sends it. */
  getTransaction(hash: unknown): Record<string, unknown> {
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/i.test(hash)) {
      throw new InvalidParamsError('invalid parameters: hash must be a 64 character hex string');
    }
    const base = {
      latestLedger: this.ledger.sequence,
      latestLedgerCloseTime: String(this.ledger.closeTime),
      oldestLedger: this.oldestLedger().sequence,
      oldestLedgerCloseTime: String(this.oldestLedger().closeTime),
    };
    const record = this.records.get(hash.toLowerCase());
    if (!record || record.ledger < this.oldestLedger().sequence) {
      return { ...base, status: 'NOT_FOUND', txHash: hash };
    }
    return {
      ...base,
      status: record.successful ? 'SUCCESS' : 'FAILED',
      txHash: record.hash,
      applicationOrder: record.applicationOrder,
      feeBump: false,
      envelopeXdr: record.envelopeXdr,
      resultXdr: record.resultXdr,
      resultMetaXdr: record.resultMetaXdr,
      ledger: record.ledger,
      createdAt: String(record.createdAt),
      events: { transactionEventsXdr: [], contractEventsXdr: [] },
    };
  }

  /** Raw getLedgerEntries answer: accounts and the credential contract's entries. */
  getLedgerEntries(keys: unknown): Record<string, unknown> {
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) {
      throw new InvalidParamsError('invalid parameters: keys must be an array of base64 LedgerKey strings');
    }
    const entries: Record<string, unknown>[] = [];
    for (const raw of keys as string[]) {
      let key: xdr.LedgerKey;
      try {
        key = xdr.LedgerKey.fromXdr(raw, 'base64');
      } catch {
        throw new InvalidParamsError(`invalid parameters: cannot unmarshal key value ${raw}`);
      }
      if (key.type === 'account') {
        const publicKey = accountIdToString(key.account.accountId);
        const account = this.accounts.get(publicKey);
        if (!account) continue;
        const entry = accountLedgerEntry(account);
        entries.push({
          key: key.toXdr('base64'),
          xdr: entry.data.toXdr('base64'),
          lastModifiedLedgerSeq: account.lastModified,
        });
        continue;
      }
      const found = this.contract.lookup(key, this.ledger.sequence);
      if (found) {
        entries.push({
          key: key.toXdr('base64'),
          xdr: found.entry.data.toXdr('base64'),
          lastModifiedLedgerSeq: found.entry.lastModifiedLedgerSeq,
          liveUntilLedgerSeq: found.liveUntil,
        });
      }
    }
    return { entries, latestLedger: this.ledger.sequence };
  }
}

function accountIdToString(accountId: xdr.PublicKey): string {
  return StrKey.encodeEd25519PublicKey(Buffer.from(accountId.ed25519.value));
}
