import { xdr } from '@stellar/stellar-sdk';

/** What stellar-core says when a Soroban transaction declares less resource fee than its resources cost. */
export const RESOURCE_FEE_TOO_LOW_MESSAGE =
  'transaction `sorobanData.resourceFee` is lower than the actual Soroban resource fee';

/**
 * A diagnostic event as stellar-core attaches it to an `ERROR` answer: a `diagnostic` contract event
 * without a contract, topics `["error", Error(type, code)]`, data the message alone or
 * `[message, ...args]`. The error type and code are the sandbox's choice of the closest
 * `SCErrorType`/`SCErrorCode`; core's own pick may differ.
 */
export function diagnosticErrorEvent(
  message: string,
  args: readonly xdr.ScVal[] = [],
  error: xdr.ScError = xdr.ScError.sceStorage(xdr.ScErrorCode.scecExceededLimit),
): xdr.DiagnosticEvent {
  const text = xdr.ScVal.scvString(message);
  return new xdr.DiagnosticEvent({
    inSuccessfulContractCall: false,
    event: new xdr.ContractEvent({
      ext: xdr.ExtensionPoint.v0(),
      contractId: null,
      type: xdr.ContractEventType.diagnostic,
      body: xdr.ContractEventBody.v0(
        new xdr.ContractEventV0({
          topics: [xdr.ScVal.scvSymbol('error'), xdr.ScVal.scvError(error)],
          data: args.length === 0 ? text : xdr.ScVal.scvVec([text, ...args]),
        }),
      ),
    }),
  });
}
