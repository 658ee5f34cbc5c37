import { Address, BASE_FEE, nativeToScVal, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { AUDIT, SPAN, STELLAR_METHOD } from '../../names';
import type { ServiceMetrics } from '../../service-metrics';
import type { JobKind } from '../../stellar/onchain-jobs';
import type { StellarSetup } from '../../types';

/** A credential mint: `mint(to, course_id)` on the credential contract, sent by the issuer account. */
export function credentialJobKind(stellar: StellarSetup, metrics: ServiceMetrics, timeoutSeconds: number): JobKind {
  return {
    table: 'credentials',
    method: STELLAR_METHOD.credentialMint,
    resource: 'credential',
    spanName: SPAN.mintProcess,
    source: stellar.issuer,
    events: {
      submitted: AUDIT.credentialMintSubmitted,
      confirmed: AUDIT.credentialMinted,
      failed: AUDIT.credentialMintFailed,
    },
    async build(row, account) {
      const tx = new TransactionBuilder(account, { fee: BASE_FEE, networkPassphrase: stellar.networkPassphrase })
        .addOperation(
          Operation.invokeContractFunction({
            contract: stellar.credentialContractId,
            function: 'mint',
            args: [new Address(row.destination).toScVal(), nativeToScVal(String(row.course_id), { type: 'string' })],
          }),
        )
        .setTimeout(timeoutSeconds)
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
