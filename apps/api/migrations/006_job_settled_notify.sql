-- A job that settles (confirmed, failed or expired) is announced with NOTIFY onchain_job_settled, payload
-- '<table>:<job id>', delivered when the settling transaction commits. Requests waiting for the outcome
-- (POST /rewards/claims, POST /credentials, up to CLAIM_WAIT_MS) on any instance are woken by it instead
-- of polling their row (src/job-outcomes.ts: one LISTEN connection per instance, a slow sweep as fallback).
CREATE OR REPLACE FUNCTION onchain_job_settled_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('onchain_job_settled', TG_TABLE_NAME || ':' || NEW.id::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER reward_claims_settled_notify AFTER UPDATE OF status ON reward_claims FOR EACH ROW
  WHEN (NEW.status IN ('confirmed', 'failed', 'expired') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION onchain_job_settled_notify();

CREATE TRIGGER credentials_settled_notify AFTER UPDATE OF status ON credentials FOR EACH ROW
  WHEN (NEW.status IN ('confirmed', 'failed', 'expired') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION onchain_job_settled_notify();
