-- Learn-to-earn schema. Claims and mints are persisted state machines:
-- requested -> submitted -> confirmed | failed | expired (submitted may go
-- back to requested once its envelope's time bound has passed on the ledger).
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  stellar_address text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE courses (
  id text PRIMARY KEY,
  title text NOT NULL,
  description text NOT NULL
);

CREATE TABLE quizzes (
  id text PRIMARY KEY,
  course_id text NOT NULL REFERENCES courses(id),
  title text NOT NULL,
  position int NOT NULL,
  pass_score int NOT NULL,
  reward_amount numeric(20, 7) NOT NULL CHECK (reward_amount > 0),
  questions jsonb NOT NULL
);

CREATE TABLE submissions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id),
  quiz_id text NOT NULL REFERENCES quizzes(id),
  answers jsonb NOT NULL,
  score int NOT NULL,
  passed boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submissions_user_quiz ON submissions (user_id, quiz_id) WHERE passed;

CREATE TABLE reward_claims (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Exactly one claim, hence one payout, per submission.
  submission_id uuid NOT NULL UNIQUE REFERENCES submissions(id),
  user_id uuid NOT NULL REFERENCES users(id),
  destination text NOT NULL,
  amount numeric(20, 7) NOT NULL,
  status text NOT NULL CHECK (status IN ('requested', 'submitted', 'confirmed', 'failed', 'expired')),
  tx_hash text,
  envelope_xdr text,
  valid_until bigint,
  attempts int NOT NULL DEFAULT 0,
  result_code text,
  ledger int,
  trace_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One payout envelope in flight per source account: the next envelope takes
-- the next sequence number only once the previous one is settled.
CREATE UNIQUE INDEX reward_claims_one_in_flight ON reward_claims ((true)) WHERE status = 'submitted';
CREATE INDEX reward_claims_open ON reward_claims (created_at) WHERE status IN ('requested', 'submitted');

CREATE TABLE credentials (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id),
  course_id text NOT NULL REFERENCES courses(id),
  destination text NOT NULL,
  status text NOT NULL CHECK (status IN ('requested', 'submitted', 'confirmed', 'failed', 'expired')),
  tx_hash text,
  envelope_xdr text,
  valid_until bigint,
  attempts int NOT NULL DEFAULT 0,
  result_code text,
  ledger int,
  trace_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, course_id)
);
CREATE UNIQUE INDEX credentials_one_in_flight ON credentials ((true)) WHERE status = 'submitted';
CREATE INDEX credentials_open ON credentials (created_at) WHERE status IN ('requested', 'submitted');
