-- +goose Up
-- Identity: WebAuthn passkeys for step-up (ID-4); the device's biometrics
-- stand in for face recognition. credential is go-webauthn's Credential
-- record as JSON (public key, sign count, flags); it holds no secret.

CREATE TABLE passkeys (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id  bytea       NOT NULL UNIQUE,
    name           text        NOT NULL CHECK (name <> '' AND char_length(name) <= 60),
    credential     jsonb       NOT NULL,
    create_time    timestamptz NOT NULL DEFAULT now(),
    last_used_time timestamptz
);

CREATE INDEX passkeys_user_id ON passkeys (user_id, create_time);
