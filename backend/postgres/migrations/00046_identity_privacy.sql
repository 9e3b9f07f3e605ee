-- +goose Up
-- Identity: privacy (requirement SEC-4): the history of consents, privacy
-- mode settings and account deletion.

ALTER TABLE users
    -- delete_time is when the person deleted their account; the row stays,
    -- de-identified, because tasks, reviews and payments refer to it.
    ADD COLUMN delete_time timestamptz;

-- consents records every version of the privacy notice a person accepted,
-- and when; users.consent_version is the latest.
CREATE TABLE consents (
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version     text        NOT NULL CHECK (version <> '' AND length(version) <= 40),
    accept_time timestamptz NOT NULL,
    PRIMARY KEY (user_id, version)
);

INSERT INTO consents (user_id, version, accept_time)
SELECT id, consent_version, consent_time FROM users;

-- privacy_settings is a person's privacy mode: what their public profile
-- hides. Profiles and reviews read it; no row means nothing is hidden.
CREATE TABLE privacy_settings (
    user_id                   uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hide_reviews              boolean     NOT NULL DEFAULT false,
    hidden_portfolio_item_ids text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(hidden_portfolio_item_ids) <= 500),
    hide_city                 boolean     NOT NULL DEFAULT false,
    update_time               timestamptz NOT NULL DEFAULT now()
);

-- Every change of users.consent_version, at sign-up or later, is recorded,
-- so that what a person agreed to and when is never lost.
-- +goose StatementBegin
CREATE FUNCTION record_consent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO consents (user_id, version, accept_time)
    VALUES (NEW.id, NEW.consent_version, NEW.consent_time)
    ON CONFLICT (user_id, version) DO NOTHING;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER users_record_consent
    AFTER INSERT OR UPDATE OF consent_version ON users
    FOR EACH ROW EXECUTE FUNCTION record_consent();
