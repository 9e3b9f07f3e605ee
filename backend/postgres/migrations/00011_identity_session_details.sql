-- +goose Up
-- Identity: what a person sees of their sessions (requirement ID-1): an id
-- to end one by, and the device and address it started from.

ALTER TABLE sessions
    -- id names the session in the API; the token hash never leaves the server.
    ADD COLUMN id         uuid NOT NULL DEFAULT gen_random_uuid(),
    -- user_agent is the browser's or app's User-Agent at login, cut to 256 bytes.
    ADD COLUMN user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 256),
    -- ip is the client address at login, as the rate limits saw it.
    ADD COLUMN ip         text NOT NULL DEFAULT '';

CREATE UNIQUE INDEX sessions_id_key ON sessions (id);
