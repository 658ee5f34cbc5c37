-- An envelope whose outcome cannot be proven (#14 F1): the RPC has no record of it, its time bound has
-- passed, but its source account's sequence number has reached the envelope's and the RPC's history
-- window does not cover the envelope's validity. "Not found" is then no evidence that it was never
-- applied (stellar-rpc keeps a bounded history), so it is neither voided nor rebuilt: it is held as
-- `indeterminate` (its jobs stay `submitted`) until an RPC that holds it settles it, or an operator does.
ALTER TABLE onchain_envelopes DROP CONSTRAINT IF EXISTS onchain_envelopes_status_check;
ALTER TABLE onchain_envelopes ADD CONSTRAINT onchain_envelopes_status_check
  CHECK (status IN ('submitted', 'applied', 'void', 'indeterminate'));
CREATE INDEX IF NOT EXISTS onchain_envelopes_indeterminate ON onchain_envelopes (kind) WHERE status = 'indeterminate';
