-- +goose Up
-- Identity: accounts by mobile number (requirement ID-1). An account has an
-- email, a phone, or both; phone-only accounts keep the hash of a random
-- password nobody knows until they choose one.

ALTER TABLE users
    -- phone is a mainland China mobile number in E.164 form.
    ADD COLUMN phone text CHECK (phone ~ '^\+861[3-9][0-9]{9}$'),
    ALTER COLUMN email DROP NOT NULL,
    ADD CONSTRAINT users_email_or_phone CHECK (email IS NOT NULL OR phone IS NOT NULL);

CREATE UNIQUE INDEX users_phone_key ON users (phone);
