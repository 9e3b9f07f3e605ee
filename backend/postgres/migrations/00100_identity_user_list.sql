-- +goose Up
-- The admins' user list (ID-3) pages through accounts newest first.
CREATE INDEX users_create_time_id_idx ON users (create_time DESC, id DESC);

