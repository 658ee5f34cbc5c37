-- The request that started a payout or a mint: the job engine writes its later audit events
-- (submitted, confirmed, failed) from the background, with this client's address and user agent.
ALTER TABLE reward_claims ADD COLUMN IF NOT EXISTS request_ip inet, ADD COLUMN IF NOT EXISTS request_user_agent text;
ALTER TABLE credentials ADD COLUMN IF NOT EXISTS request_ip inet, ADD COLUMN IF NOT EXISTS request_user_agent text;
