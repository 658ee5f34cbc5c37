import { Address, Contract, StrKey, type Transaction, xdr } from '@stellar/stellar-sdk';
import {
  CREDENTIAL_MINT_FUNCTION,
  MINT_DISK_READ_BYTES,
  MINT_INSTRUCTIONS,
  MINT_RESOURCE_FEE_STROOPS,
  MINT_WRITE_BYTES,
} from './names';
import { ledgerEntry, sha256 } from './xdr-ledger';
import type { OpCode } from './xdr-results';

/** The contract error `mint` raises when (to, course) already holds a credential. */
export const ALREADY_MINTED_ERROR = 'HostError: Error(Contract, #1)';
const CREDENTIAL_KEY_TAG = 'Credential';
/** Persistent entries live this many ledgers past their last write, like a default Soroban TTL. */
const ENTRY_TTL_LEDGERS = 120_960;

interface MintCall {
  to: string;
  courseId: string;
  args: xdr.InvokeContractArgs;
}

interface StoredCredential {
  to: string;
  courseId: string;
  hash: string;
  serial: bigint;
  ledger: number;
}

/** Outcome of executing `mint` inside an included transaction. */
export interface MintOutcome {
  code: OpCode;
  returnValue?: xdr.ScVal;
  changes: xdr.LedgerEntryChange[];
  commit: () => void;
}

/**
 * A built-in credential contract: `mint(to: Address, course_id: String|Symbol) -> u64` stores one
 * credential per (to, course) and returns its serial; it requires the transaction source's
 * authorization (source-account auth entry). There is no WASM: the sandbox executes it natively.
 */
export class CredentialContract {
  readonly contractId: string;
  private readonly address: Address;
  private readonly minted = new Map<string, StoredCredential>();
  private nextSerial = 1n;

  constructor(networkPassphrase: string) {
    this.contractId = StrKey.encodeContract(Buffer.from(sha256(`stellar-sandbox:credential:${networkPassphrase}`)));
    this.address = new Address(this.contractId);
  }

  list(): ReadonlyArray<{ to: string; courseId: string; hash: string }> {
    return [...this.minted.values()].map(({ to, courseId, hash }) => ({ to, courseId, hash }));
  }

  instanceKey(): xdr.LedgerKey {
    return new Contract(this.contractId).getFootprint();
  }

  credentialKey(to: string, courseId: string): xdr.LedgerKey {
    return xdr.LedgerKey.contractData(
      new xdr.LedgerKeyContractData({
        contract: this.address.toScAddress(),
        key: this.credentialScKey(to, courseId),
        durability: xdr.ContractDataDurability.persistent,
      }),
    );
  }

  private credentialScKey(to: string, courseId: string): xdr.ScVal {
    return xdr.ScVal.scvVec([
      xdr.ScVal.scvSymbol(CREDENTIAL_KEY_TAG),
      new Address(to).toScVal(),
      xdr.ScVal.scvString(courseId),
    ]);
  }

  private credentialEntry(c: StoredCredential): xdr.LedgerEntry {
    return ledgerEntry(
      xdr.LedgerEntryData.contractData(
        new xdr.ContractDataEntry({
          ext: xdr.ExtensionPoint.v0(),
          contract: this.address.toScAddress(),
          key: this.credentialScKey(c.to, c.courseId),
          durability: xdr.ContractDataDurability.persistent,
          val: xdr.ScVal.scvU64(c.serial),
        }),
      ),
      c.ledger,
    );
  }

  /** Decodes a host function as a call to this contract's `mint`; a string is the simulation error. */
  parseMint(func: xdr.HostFunction): MintCall | string {
    if (func.type !== 'hostFunctionTypeInvokeContract') return 'HostError: Error(Context, InvalidAction)';
    const args = func.invokeContract;
    const target = Address.fromScAddress(args.contractAddress).toString();
    if (target !== this.contractId) return 'HostError: Error(Storage, MissingValue)';
    if (args.functionName.toString() !== CREDENTIAL_MINT_FUNCTION) return 'HostError: Error(WasmVm, MissingValue)';
    const [toArg, courseArg] = args.args;
    if (args.args.length !== 2 || toArg?.type !== 'scvAddress') return 'HostError: Error(Value, UnexpectedType)';
    if (courseArg?.type !== 'scvString' && courseArg?.type !== 'scvSymbol') {
      return 'HostError: Error(Value, UnexpectedType)';
    }
    const to = Address.fromScAddress(toArg.address).toString();
    const courseId = (courseArg.type === 'scvString' ? courseArg.str : courseArg.sym).toString();
    return { to, courseId, args };
  }

  private key(to: string, courseId: string): string {
    return `${to}\n${courseId}`;
  }

  /** The source-account authorization entry `mint` requires, as simulation records it. */
  private authEntry(call: MintCall): xdr.SorobanAuthorizationEntry {
    return new xdr.SorobanAuthorizationEntry({
      credentials: xdr.SorobanCredentials.sorobanCredentialsSourceAccount(),
      rootInvocation: new xdr.SorobanAuthorizedInvocation({
        function: xdr.SorobanAuthorizedFunction.sorobanAuthorizedFunctionTypeContractFn(call.args),
        subInvocations: [],
      }),
    });
  }

  /** Simulates a transaction, answering the raw JSON stellar-rpc returns. */
  simulate(tx: Transaction, latestLedger: number): Record<string, unknown> {
    const op = tx.operations[0];
    if (tx.operations.length !== 1 || op?.type !== 'invokeHostFunction') {
      return {
        latestLedger,
        error:
          'To perform a SimulateTransaction, the transaction must contain exactly one InvokeHostFunction, ExtendFootprintTTL, or RestoreFootprint operation',
      };
    }
    const call = this.parseMint(op.func);
    if (typeof call === 'string') return { latestLedger, error: call, events: [] };
    if (this.minted.has(this.key(call.to, call.courseId))) {
      return { latestLedger, error: ALREADY_MINTED_ERROR, events: [] };
    }
    const ro = [this.instanceKey()];
    const rw = [this.credentialKey(call.to, call.courseId)];
    const transactionData = new xdr.SorobanTransactionData({
      ext: xdr.SorobanTransactionDataExt.v0(),
      resources: new xdr.SorobanResources({
        footprint: new xdr.LedgerFootprint({ readOnly: ro, readWrite: rw }),
        instructions: MINT_INSTRUCTIONS,
        diskReadBytes: MINT_DISK_READ_BYTES,
        writeBytes: MINT_WRITE_BYTES,
      }),
      resourceFee: MINT_RESOURCE_FEE_STROOPS,
    });
    return {
      latestLedger,
      minResourceFee: MINT_RESOURCE_FEE_STROOPS.toString(),
      transactionData: transactionData.toXdr('base64'),
      results: [
        { auth: [this.authEntry(call).toXdr('base64')], xdr: xdr.ScVal.scvU64(this.nextSerial).toXdr('base64') },
      ],
      events: [],
    };
  }

  /** Executes `mint` in an included transaction, checking auth, footprint and declared resources. */
  apply(
    op: { func: xdr.HostFunction; auth?: xdr.SorobanAuthorizationEntry[] },
    sorobanData: xdr.SorobanTransactionData,
    hash: string,
    ledger: number,
  ): MintOutcome {
    const fail = (code: OpCode): MintOutcome => ({ code, changes: [], commit: () => {} });
    const call = this.parseMint(op.func);
    if (typeof call === 'string') return fail('opTRAPPED');
    const wanted = call.args.toXdr('base64');
    const authorized = (op.auth ?? []).some(
      (entry) =>
        entry.credentials.type === 'sorobanCredentialsSourceAccount' &&
        entry.rootInvocation.function.type === 'sorobanAuthorizedFunctionTypeContractFn' &&
        entry.rootInvocation.function.contractFn.toXdr('base64') === wanted,
    );
    if (!authorized) return fail('opTRAPPED');
    const resources = sorobanData.resources;
    const credentialKey = this.credentialKey(call.to, call.courseId).toXdr('base64');
    if (!resources.footprint.readWrite.some((k) => k.toXdr('base64') === credentialKey)) return fail('opTRAPPED');
    if (resources.instructions < MINT_INSTRUCTIONS || resources.writeBytes < MINT_WRITE_BYTES) {
      return fail('opRESOURCE_LIMIT_EXCEEDED');
    }
    const id = this.key(call.to, call.courseId);
    if (this.minted.has(id)) return fail('opTRAPPED');
    const stored: StoredCredential = { to: call.to, courseId: call.courseId, hash, serial: this.nextSerial, ledger };
    return {
      code: 'opSUCCESS',
      returnValue: xdr.ScVal.scvU64(stored.serial),
      changes: [xdr.LedgerEntryChange.ledgerEntryCreated(this.credentialEntry(stored))],
      commit: () => {
        this.minted.set(id, stored);
        this.nextSerial += 1n;
      },
    };
  }

  /** Answers getLedgerEntries for this contract's instance and credential entries. */
  lookup(key: xdr.LedgerKey, latestLedger: number): { entry: xdr.LedgerEntry; liveUntil: number } | undefined {
    if (key.type !== 'contractData') return undefined;
    const data = key.contractData;
    if (data.contract.toXdr('base64') !== this.address.toScAddress().toXdr('base64')) return undefined;
    const wanted = key.toXdr('base64');
    if (wanted === this.instanceKey().toXdr('base64')) {
      const instance = ledgerEntry(
        xdr.LedgerEntryData.contractData(
          new xdr.ContractDataEntry({
            ext: xdr.ExtensionPoint.v0(),
            contract: this.address.toScAddress(),
            key: xdr.ScVal.scvLedgerKeyContractInstance(),
            durability: xdr.ContractDataDurability.persistent,
            val: xdr.ScVal.scvContractInstance(
              new xdr.ScContractInstance({
                executable: xdr.ContractExecutable.contractExecutableWasm(sha256('stellar-sandbox:credential-wasm')),
                storage: null,
              }),
            ),
          }),
        ),
        1,
      );
      return { entry: instance, liveUntil: latestLedger + ENTRY_TTL_LEDGERS };
    }
    for (const c of this.minted.values()) {
      if (this.credentialKey(c.to, c.courseId).toXdr('base64') === wanted) {
        return { entry: this.credentialEntry(c), liveUntil: c.ledger + ENTRY_TTL_LEDGERS };
      }
    }
    return undefined;
  }
}
