import { Address, BASE_FEE, nativeToScVal, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { AUDIT, SPAN, STELLAR_METHOD } from '../../names';
import type { ServiceMetrics } from '../../service-metrics';
import type { JobKind } from '../../stellar/onchain-jobs';
import type { StellarSetup } from '../../types';
import type { CredentialRow } from './repository';

/**
 * A credential mint: `mint(to, course_id)` on the credential contract, sent by the issuer account.
 * One mint per envelope and no channel accounts: a Soroban transaction carries exactly one
 * invoke_host_function operation, and the contract authorises the issuer as the transaction's
 * source (source-account credentials), so mints stay serial on the issuer's sequence.
 */
export function credentialJobKind(
  stellar: StellarSetup,
  metrics: ServiceMetrics,
  options: { timeoutSeconds: number },
): JobKind<CredentialRow> {
  return {
    label: STELLAR_METHOD.credentialMint,
    table: 'credentials',
    resource: 'credential',
    spanName: SPAN.mintProcess,
    payer: stellar.issuer,
    maxOperations: 1,
    events: {
      submitted: AUDIT.credentialMintSubmitted,
      confirmed: AUDIT.credentialMinted,
      failed: AUDIT.credentialMintFailed,
    },
    async build([row], account) {
      if (!row) throw new RangeError('a credential mint envelope carries exactly one mint');
      const tx = new TransactionBuilder(account, { fee: BASE_FEE, networkPassphrase: stellar.networkPassphrase })
        .addOperation(
          Operation.invokeContractFunction({
            contract: stellar.credentialContractId,
            function: 'mint',
            args: [new Address(row.destination).toScVal(), nativeToScVal(String(row.course_id), { type: 'string' })],
          }),
        )
        .setTimeout(options.timeoutSeconds)
        .build();
      // Simulation fills in the footprint, resource fee and auth entries.
      return stellar.gateway.prepare(tx);
    },
    auditFields: (row) => ({ metadata: { courseId: row.course_id } }),
    onSettled: (row) => {
      if (row.status === 'confirmed') metrics.credentialMinted(String(row.course_id));
    },
  };
}
