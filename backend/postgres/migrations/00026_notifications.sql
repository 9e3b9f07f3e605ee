-- +goose Up
-- In-app notifications: what a person is told (a task matching their
-- skills was published, a proposal arrived, their vetting was decided...).
-- The text is not stored: kind names a catalogue entry the web app
-- translates, params fill it in, link is the page it leads to.
CREATE TABLE notifications (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,79}$'),
    params      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    link        text        NOT NULL DEFAULT '' CHECK (char_length(link) <= 300),
    create_time timestamptz NOT NULL DEFAULT now(),
    read_time   timestamptz
);

CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_time IS NULL;
