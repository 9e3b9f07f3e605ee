-- +goose Up
-- Identity: sign-in with GitHub and WeChat (requirement ID-1). One person may
-- link several login methods; each provider account belongs to one person.
-- An account may now have neither email nor phone (a WeChat-only account):
-- that it keeps at least one way to sign in is the service's rule, checked
-- in the same transaction that unlinks a method.

ALTER TABLE users
    DROP CONSTRAINT users_email_or_phone,
    -- password_set is false for accounts whose password hash is of a random
    -- password nobody knows (made through a provider or by phone): their
    -- email, if any, is not a login method.
    ADD COLUMN password_set boolean NOT NULL DEFAULT true;

UPDATE users SET password_set = false WHERE email IS NULL;

CREATE TABLE login_identities (
    -- provider is the identity provider: github or wechat.
    provider    text        NOT NULL CHECK (provider IN ('github', 'wechat')),
    -- subject is the provider's stable id of the person: GitHub's numeric
    -- user id; WeChat's unionid, or the openid when there is no unionid.
    subject     text        NOT NULL CHECK (subject <> '' AND length(subject) <= 128),
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- login is what the person is called there (GitHub login, WeChat
    -- nickname), shown in account settings.
    login       text        NOT NULL DEFAULT '' CHECK (length(login) <= 200),
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject),
    -- one account of each provider per person
    UNIQUE (user_id, provider)
);
