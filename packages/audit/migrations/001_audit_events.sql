-- @app/audit 001: the audit_events table, append-only.
-- Runs with search_path set to the target schema (see src/migrate.ts); names are unqualified.

CREATE TABLE IF NOT EXISTS audit_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        uuid        NOT NULL UNIQUE,
  schema_version  smallint    NOT NULL,
  event           text        NOT NULL,
  result          text        NOT NULL CHECK (result IN ('success', 'failure')),
  user_id         text,
  stellar_address text,
  resource        text,
  resource_id     text,
  action          text,
  reason          text,
  tx_hash         text,
  amount          numeric     CHECK (amount >= 0),
  metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  ip              inet,
  user_agent      text,
  trace_id        text,
  span_id         text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- The writing transaction's id: the sealer chains rows only once every
  -- transaction that could still add an earlier row has ended.
  txid            xid8        NOT NULL DEFAULT pg_current_xact_id()
);

CREATE INDEX IF NOT EXISTS audit_events_txid_id_idx ON audit_events (txid, id);
CREATE INDEX IF NOT EXISTS audit_events_event_created_at_idx ON audit_events (event, created_at);
CREATE INDEX IF NOT EXISTS audit_events_user_id_created_at_idx ON audit_events (user_id, created_at);

-- The hash chain: one row per sealed event, in sealing order. Append-only too.
CREATE TABLE IF NOT EXISTS audit_chain (
  seq        bigint      PRIMARY KEY,
  event_pk   bigint      NOT NULL UNIQUE,
  -- The sealed event's txid: (txid, event_pk) of the head is the sealer's watermark.
  txid       xid8        NOT NULL,
  alg        text        NOT NULL CHECK (alg IN ('sha256', 'hmac-sha256')),
  prev_hash  text        NOT NULL,
  hash       text        NOT NULL,
  sealed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  RAISE EXCEPTION 'audit: % on %.% is not allowed (append-only)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events;
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

DROP TRIGGER IF EXISTS audit_chain_no_update_delete ON audit_chain;
CREATE TRIGGER audit_chain_no_update_delete BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
DROP TRIGGER IF EXISTS audit_chain_no_truncate ON audit_chain;
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
