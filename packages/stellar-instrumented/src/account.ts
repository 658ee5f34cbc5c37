import { Account, Keypair, type rpc, StrKey, xdr } from '@stellar/stellar-sdk';
import { ERROR_CODES, StellarInstrumentedError } from './errors';

/**
 * Reads an account's ledger entry with one `getLedgerEntries` call. The SDK's own
 * `getAccountEntry` turns every failure (a refused connection too) into "Account not
 * found"; here a missing account is a `STELLAR_ERR_ACCOUNT_NOT_FOUND` error and
 * anything else is the SDK's error unchanged, so the two are counted apart.
 *
 * @throws StellarInstrumentedError `ACCOUNT_NOT_FOUND` (message `Account not found: G…`, as the SDK's).
 */
export async function readAccountEntry(server: rpc.Server, address: string): Promise<xdr.AccountEntry> {
  const key = xdr.LedgerKey.account(
    new xdr.LedgerKeyAccount({ accountId: Keypair.fromPublicKey(address).xdrPublicKey() }),
  );
  const response = await server.getLedgerEntries(key);
  const entry = response.entries?.[0];
  if (entry?.val.type !== 'account') {
    throw new StellarInstrumentedError(ERROR_CODES.ACCOUNT_NOT_FOUND, `Account not found: ${address}`);
  }
  return entry.val.value;
}

/** The `Account` (address and current sequence number) the SDK's `getAccount` returns. */
export function accountFromEntry(address: string, entry: xdr.AccountEntry): Account {
  return new Account(address, entry.seqNum.toString());
}

/** Most keys one `getLedgerEntries` request takes (Stellar RPC's limit). */
export const MAX_LEDGER_KEYS = 200;

/**
 * Reads several accounts' ledger entries with one `getLedgerEntries` call. Accounts that do not exist
 * are absent from the map (not an error); a failed request rejects with the SDK's error.
 *
 * @throws StellarInstrumentedError `INVALID_OPTION` for more than 200 distinct addresses or one that is not a `G…` account id.
 */
export async function readAccountEntries(
  server: rpc.Server,
  addresses: readonly string[],
): Promise<Map<string, xdr.AccountEntry>> {
  const distinct = [...new Set(addresses)];
  if (distinct.length > MAX_LEDGER_KEYS) {
    throw new StellarInstrumentedError(
      ERROR_CODES.INVALID_OPTION,
      `getAccountEntries reads at most ${MAX_LEDGER_KEYS} accounts per call, got ${distinct.length}`,
    );
  }
  const found = new Map<string, xdr.AccountEntry>();
  if (distinct.length === 0) return found;
  const byKey = new Map<string, string>();
  const keys = distinct.map((address) => {
    if (!StrKey.isValidEd25519PublicKey(address)) {
      throw new StellarInstrumentedError(
        ERROR_CODES.INVALID_OPTION,
        `not an account id (G...): ${address.slice(0, 8)}…`,
      );
    }
    const key = xdr.LedgerKey.account(
      new xdr.LedgerKeyAccount({ accountId: Keypair.fromPublicKey(address).xdrPublicKey() }),
    );
    byKey.set(key.toXDR('base64'), address);
    return key;
  });
  const response = await server.getLedgerEntries(...keys);
  for (const entry of response.entries ?? []) {
    const address = byKey.get(entry.key.toXDR('base64'));
    if (address && entry.val.type === 'account') found.set(address, entry.val.value);
  }
  return found;
}
