-- +goose Up
-- Identity: accounts and sessions (requirements ID-1, ID-3, SEC-2, SEC-4).

CREATE TABLE users (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- email is stored normalised (trimmed, lower-case); the unique index on
    -- lower(email) also refuses differently-cased duplicates.
    email           text        NOT NULL CHECK (email <> '' AND length(email) <= 254),
    -- password_hash is an Argon2id hash in PHC string format.
    password_hash   text        NOT NULL,
    display_name    text        NOT NULL CHECK (display_name <> '' AND char_length(display_name) <= 60),
    roles           text[]      NOT NULL DEFAULT ARRAY['client']::text[]
                                CHECK (cardinality(roles) > 0
                                       AND roles <@ ARRAY['client', 'provider', 'admin', 'ops', 'auditor']::text[]),
    -- consent_version is the privacy notice version the person agreed to (SEC-4).
    consent_version text        NOT NULL CHECK (consent_version <> ''),
    consent_time    timestamptz NOT NULL DEFAULT now(),
    -- demo marks accounts created by the demo seed.
    demo            boolean     NOT NULL DEFAULT false,
    create_time     timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE sessions (
    -- token_hash is the SHA-256 of the session token; the token itself is
    -- never stored.
    token_hash  bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    create_time timestamptz NOT NULL DEFAULT now(),
    expire_time timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expire_time_idx ON sessions (expire_time);
