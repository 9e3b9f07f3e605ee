-- +goose Up
-- Identity: sensitive fields of a person (SEC-1, SEC-2): the ID number of
-- their real-name data and their payout bank card number. Each value is
-- encrypted with AES-256-GCM by backend/fieldcrypt under the key named by
-- key_id, with AAD binding it to (table, column, user_id, kind); masked is
-- its first 3 and last 4 characters, for display without decrypting.

CREATE TABLE user_sensitive_fields (
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN ('id_number', 'bank_card')),
    key_id      text        NOT NULL,
    ciphertext  bytea       NOT NULL,
    masked      text        NOT NULL,
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);

CREATE INDEX user_sensitive_fields_key_id ON user_sensitive_fields (key_id);
