-- +goose Up
-- The audit log (SEC-3): logins, permission changes, admin decisions and
-- money operations, append-only and tamper-evident. Every entry carries the
-- SHA-256 of the entry before it and of itself (see backend/audit), so a
-- changed or removed row breaks the chain from there on. Rows are kept for
-- at least six months; nothing in the application deletes them.
CREATE TABLE audit_log (
    id          bigint      PRIMARY KEY,
    create_time timestamptz NOT NULL,
    -- actor_id is the user who acted; NULL for the platform itself.
    actor_id    uuid,
    action      text        NOT NULL CHECK (action <> '' AND char_length(action) <= 80),
    target      text        NOT NULL DEFAULT '' CHECK (char_length(target) <= 200),
    ip          text        NOT NULL DEFAULT '' CHECK (char_length(ip) <= 64),
    detail      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    prev_hash   bytea       NOT NULL,
    hash        bytea       NOT NULL UNIQUE
);

CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);

-- audit_log_append_only refuses UPDATE and DELETE: the log only grows.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
