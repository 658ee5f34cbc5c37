-- #14 F2: a channel account that cannot pay for its envelope (txINSUFFICIENT_BALANCE, txBAD_AUTH,
-- txNO_ACCOUNT: the channel's fault, not the jobs') is set aside until `set_aside_until`, for every
-- instance: no new envelope is built on it meanwhile; the other channels carry on. The pause doubles
-- with each refusal in a row (`set_aside_strikes`) up to 10 minutes, and an applied envelope resets it.
ALTER TABLE onchain_channels ADD COLUMN IF NOT EXISTS set_aside_until timestamptz;
ALTER TABLE onchain_channels ADD COLUMN IF NOT EXISTS set_aside_strikes int NOT NULL DEFAULT 0;
ALTER TABLE onchain_channels ADD COLUMN IF NOT EXISTS set_aside_reason text;
