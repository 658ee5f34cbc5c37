-- Batched payouts and channel accounts (#14). An envelope (one Stellar transaction) is stored once,
-- keyed by its hash, and carries up to 100 operations; each job row references its envelope and
-- the index of its own operation in it. The in-flight rule moves from the job tables (one
-- submitted row per table) to the envelopes: one submitted envelope per source account (channel),
-- so K channels have up to K envelopes in flight, each with its own sequence number.
CREATE TABLE IF NOT EXISTS onchain_channels (
  -- The transaction source account (G…): a channel account, or the distributor/issuer itself.
  public_key text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('reward_payout', 'credential_mint')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS onchain_envelopes (
  hash text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('reward_payout', 'credential_mint')),
  -- The transaction's source account (its sequence number is consumed).
  source text NOT NULL,
  envelope_xdr text NOT NULL,
  -- Upper time bound (unix seconds): once the ledger's close time passes it, the envelope is void.
  valid_until bigint NOT NULL,
  operations int NOT NULL CHECK (operations BETWEEN 1 AND 100),
  -- submitted: committed before sending, outcome unknown; applied: in a ledger (successful or not);
  -- void: can never be applied (expired or refused).
  status text NOT NULL CHECK (status IN ('submitted', 'applied', 'void')),
  successful boolean,
  ledger int,
  result_code text,
  created_at timestamptz NOT NULL DEFAULT now(),
  settled_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS onchain_envelopes_one_in_flight ON onchain_envelopes (source) WHERE status = 'submitted';
CREATE INDEX IF NOT EXISTS onchain_envelopes_applied_ledger ON onchain_envelopes (kind, ledger) WHERE status = 'applied';

-- Envelopes in flight when this migration runs (one per table at most, under the old rule) keep going:
-- the reconciler resumes by hash every submitted envelope whose source is not a configured channel.
INSERT INTO onchain_envelopes (hash, kind, source, envelope_xdr, valid_until, operations, status, created_at)
SELECT tx_hash, 'reward_payout', 'legacy:reward_claims', envelope_xdr, coalesce(valid_until, 0), 1, 'submitted', updated_at
FROM reward_claims WHERE status = 'submitted' AND tx_hash IS NOT NULL AND envelope_xdr IS NOT NULL
ON CONFLICT (hash) DO NOTHING;
INSERT INTO onchain_envelopes (hash, kind, source, envelope_xdr, valid_until, operations, status, created_at)
SELECT tx_hash, 'credential_mint', 'legacy:credentials', envelope_xdr, coalesce(valid_until, 0), 1, 'submitted', updated_at
FROM credentials WHERE status = 'submitted' AND tx_hash IS NOT NULL AND envelope_xdr IS NOT NULL
ON CONFLICT (hash) DO NOTHING;

ALTER TABLE reward_claims ADD COLUMN IF NOT EXISTS op_index int;
ALTER TABLE credentials ADD COLUMN IF NOT EXISTS op_index int;
UPDATE reward_claims SET op_index = 0 WHERE tx_hash IS NOT NULL AND op_index IS NULL;
UPDATE credentials SET op_index = 0 WHERE tx_hash IS NOT NULL AND op_index IS NULL;
-- The envelope lives in onchain_envelopes from now on; the job rows keep only the hash (and the
-- columns, for rows settled before this migration).
DROP INDEX IF EXISTS reward_claims_one_in_flight;
DROP INDEX IF EXISTS credentials_one_in_flight;
CREATE INDEX IF NOT EXISTS reward_claims_tx_hash ON reward_claims (tx_hash) WHERE status = 'submitted';
CREATE INDEX IF NOT EXISTS credentials_tx_hash ON credentials (tx_hash) WHERE status = 'submitted';
