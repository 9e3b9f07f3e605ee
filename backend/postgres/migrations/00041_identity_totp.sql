-- +goose Up
-- Identity: TOTP second factor for step-up (ID-4). The shared secret is
-- encrypted by backend/fieldcrypt (key_id beside it, AAD binding it to the
-- user). last_step is the last 30-second time step whose code was
-- accepted: a code of that step or an earlier one is refused (replay).

CREATE TABLE totp_factors (
    user_id     uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    key_id      text        NOT NULL,
    secret      bytea       NOT NULL,
    last_step   bigint      NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX totp_factors_key_id ON totp_factors (key_id);
