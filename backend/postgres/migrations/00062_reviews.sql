-- +goose Up
-- Reviews after acceptance (issue 4 item 8): each party of a task reviews
-- the other once. Double-blind: a review is shown once the other side has
-- reviewed too, or 14 days after it was written (decided when read). The
-- reviewee may reply once and may hide it from their public profile;
-- hidden reviews still count in the score.
CREATE TABLE reviews (
    id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id            uuid        NOT NULL REFERENCES tasks (id),
    reviewer_id        uuid        NOT NULL REFERENCES users (id),
    reviewee_id        uuid        NOT NULL REFERENCES users (id),
    stars              smallint    NOT NULL CHECK (stars BETWEEN 1 AND 5),
    body               text        NOT NULL CHECK (char_length(body) <= 2000),
    reply              text        NOT NULL DEFAULT '' CHECK (char_length(reply) <= 2000),
    reply_time         timestamptz,
    hidden_by_reviewee boolean     NOT NULL DEFAULT false,
    create_time        timestamptz NOT NULL,
    UNIQUE (task_id, reviewer_id)
);

CREATE INDEX reviews_reviewee_idx ON reviews (reviewee_id, create_time DESC);
