import { Account, Keypair, type rpc, xdr } from '@stellar/stellar-sdk';
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
