-- +goose Up
-- The patrol queue (SEC-5): texts that matched a review keyword, published
-- and waiting for an admin to keep them, take them down or warn the
-- author. Rows are kept after they are resolved: the decision is part of
-- the record (and audited).
CREATE TABLE moderation_patrol_items (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- kind is what the text belongs to: task, proposal, review, profile, message.
    kind            text        NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,29}$'),
    item_id         text        NOT NULL CHECK (char_length(item_id) <= 100),
    link            text        NOT NULL DEFAULT '' CHECK (char_length(link) <= 300),
    field           text        NOT NULL DEFAULT '' CHECK (char_length(field) <= 60),
    -- excerpt is the text around the matches: [{"text": ..., "matched": bool}].
    excerpt         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    words           text[]      NOT NULL,
    author_id       uuid        REFERENCES users (id) ON DELETE SET NULL,
    create_time     timestamptz NOT NULL DEFAULT now(),
    status          text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'kept', 'taken_down', 'warned')),
    resolver_id     uuid        REFERENCES users (id) ON DELETE SET NULL,
    resolve_time    timestamptz,
    resolution_note text        NOT NULL DEFAULT '' CHECK (char_length(resolution_note) <= 500)
);

CREATE INDEX moderation_patrol_status_idx ON moderation_patrol_items (status, id);
