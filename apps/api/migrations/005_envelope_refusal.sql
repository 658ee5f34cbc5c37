-- A refused envelope (sendTransaction answered ERROR) stays in flight until its time bound has passed
-- on the ledger: with channel accounts its jobs may go out next on another channel, whose sequence
-- number does not exclude the refused envelope, so a copy of it that another instance was resending
-- must be unable to apply first. The refusal (result code and per-operation results) is kept here and
-- decides the jobs' outcome once the envelope is void.
ALTER TABLE onchain_envelopes ADD COLUMN IF NOT EXISTS refusal jsonb;
