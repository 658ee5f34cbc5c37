-- #14 F3: when sendTransaction answered TRY_AGAIN_LATER (the RPC / stellar-core queue is full: nothing was
-- queued) the envelope is not refused: it is resent as is after a backoff until its time bound. The first
-- such answer is remembered here: an envelope that then expires without ever having been accepted is
-- void at no cost to its jobs (no attempt counted), whichever instance settles it.
ALTER TABLE onchain_envelopes ADD COLUMN IF NOT EXISTS try_again_later_at timestamptz;
