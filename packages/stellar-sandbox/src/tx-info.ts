import type { Transaction, xdr } from '@stellar/stellar-sdk';
import { BASE_FEE_STROOPS, MINT_RESOURCE_FEE_STROOPS } from './names';

export function isSoroban(tx: Transaction): boolean {
  return tx.operations.some((op) => op.type === 'invokeHostFunction');
}

/**
 * Fee the network charges when it includes the transaction: the base fee per operation (no surge
 * pricing), and for Soroban the inclusion fee plus the resource fee the contract really used (the
 * rest of the declared resource fee is refunded, as on the real network).
 */
export function chargedFee(tx: Transaction): bigint {
  return isSoroban(tx) ? BASE_FEE_STROOPS + MINT_RESOURCE_FEE_STROOPS : BASE_FEE_STROOPS * BigInt(tx.operations.length);
}

export function sorobanDataOf(tx: Transaction): xdr.SorobanTransactionData | undefined {
  const envelope = tx.toEnvelope();
  if (envelope.type !== 'envelopeTypeTx') return undefined;
  const ext = envelope.v1.tx.ext;
  return ext.type === 'sorobanData' ? ext.sorobanData : undefined;
}
