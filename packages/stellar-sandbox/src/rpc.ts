import { FeeBumpTransaction } from '@stellar/stellar-sdk';
import { type Engine, InvalidParamsError } from './engine';
import type { FaultQueue } from './faults';
import { PROTOCOL_VERSION, RpcMethod } from './names';
import { toHex } from './xdr-ledger';

type Params = Record<string, unknown> | undefined;

/** A JSON-RPC method the sandbox does not implement. */
export class MethodNotFoundError extends Error {}

function feeDistribution(latestLedger: number): Record<string, string | number> {
  const fee = '100';
  const out: Record<string, string | number> = { max: fee, min: fee, mode: fee, transactionCount: '0' };
  for (const p of ['p10', 'p20', 'p30', 'p40', 'p50', 'p60', 'p70', 'p80', 'p90', 'p95', 'p99']) out[p] = fee;
  out.ledgerCount = Math.min(latestLedger, 50);
  return out;
}

/** Answers one JSON-RPC call with the `result` object stellar-rpc would send. */
export function handleRpc(engine: Engine, faults: FaultQueue, method: string, params: Params): unknown {
  const latest = engine.latest();
  switch (method) {
    case RpcMethod.GET_HEALTH:
      return {
        status: 'healthy',
        latestLedger: latest.sequence,
        oldestLedger: engine.oldestLedger().sequence,
        ledgerRetentionWindow: engine.retentionWindow,
      };
    case RpcMethod.GET_NETWORK:
      return { passphrase: engine.networkPassphrase, protocolVersion: PROTOCOL_VERSION };
    case RpcMethod.GET_LATEST_LEDGER:
      return {
        id: toHex(latest.hash),
        sequence: latest.sequence,
        protocolVersion: PROTOCOL_VERSION,
        closeTime: String(latest.closeTime),
        headerXdr: latest.header.toXdr('base64'),
        metadataXdr: latest.closeMeta.toXdr('base64'),
      };
    case RpcMethod.GET_LEDGER_ENTRIES:
      return engine.getLedgerEntries(params?.keys);
    case RpcMethod.GET_TRANSACTION:
      return engine.getTransaction(params?.hash);
    case RpcMethod.SIMULATE_TRANSACTION: {
      const tx = engine.decode(params?.transaction);
      if (tx instanceof FeeBumpTransaction) {
        throw new InvalidParamsError('invalid parameters: fee bump transactions cannot be simulated');
      }
      return engine.contract.simulate(tx, latest.sequence);
    }
    case RpcMethod.SEND_TRANSACTION: {
      const envelope = params?.transaction as string;
      const tx = engine.decode(envelope);
      const injected = faults.take(method, ['try_again_later', 'error']);
      const outcome = engine.send(tx, envelope, injected, () =>
        faults.take(
          method,
          ['never_confirm', 'tx_failed'],
          tx instanceof FeeBumpTransaction ? tx.innerTransaction : tx,
        ),
      );
      const after = engine.latest();
      return {
        ...outcome,
        latestLedger: after.sequence,
        latestLedgerCloseTime: String(after.closeTime),
      };
    }
    case RpcMethod.GET_FEE_STATS:
      return {
        sorobanInclusionFee: feeDistribution(latest.sequence),
        inclusionFee: feeDistribution(latest.sequence),
        latestLedger: latest.sequence,
      };
    case RpcMethod.GET_VERSION_INFO:
      return {
        version: 'stellar-sandbox',
        commitHash: '',
        buildTimestamp: '',
        captiveCoreVersion: 'none (stellar-sandbox)',
        protocolVersion: PROTOCOL_VERSION,
      };
    default:
      throw new MethodNotFoundError(`method not found: ${method}`);
  }
}
