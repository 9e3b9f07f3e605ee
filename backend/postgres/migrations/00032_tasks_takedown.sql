-- +goose Up
-- A task taken down by an admin (SEC-5): it is cancelled and hidden from
-- everyone but its client; the reason is shown to the client.
ALTER TABLE tasks ADD COLUMN takedown_reason text CHECK (char_length(takedown_reason) <= 500);
