-- +goose Up
-- Repositories linked to a task (TASK-3): the parties link a GitHub or
-- GitLab repository, paste the link's webhook URL and secret into it, and
-- the task shows its pushes, pull/merge requests and CI status.

CREATE TABLE repository_links (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id     uuid        NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    host        text        NOT NULL CHECK (host IN ('github', 'gitlab')),
    -- path is "owner/name" (GitHub) or "group/.../project" (GitLab).
    path        text        NOT NULL CHECK (char_length(path) BETWEEN 3 AND 300),
    -- secret signs (GitHub) or accompanies (GitLab) every webhook delivery.
    -- It is kept in the clear: verifying an HMAC needs it.
    secret      text        NOT NULL CHECK (char_length(secret) >= 32),
    created_by  uuid        NOT NULL REFERENCES users (id),
    create_time timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task_id, host, path)
);

-- repository_deliveries remembers every webhook delivery id, so a replayed
-- or redelivered one is stored once.
CREATE TABLE repository_deliveries (
    link_id     uuid        NOT NULL REFERENCES repository_links (id) ON DELETE CASCADE,
    delivery_id text        NOT NULL CHECK (char_length(delivery_id) BETWEEN 1 AND 200),
    event       text        NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (link_id, delivery_id)
);

-- repository_activity is what the webhooks told: a push, a pull/merge
-- request's state, a CI run's state. key groups the states of one thing
-- (the request number, the CI run's name) so the latest can be shown.
CREATE TABLE repository_activity (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id     uuid        NOT NULL REFERENCES repository_links (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN ('push', 'pull_request', 'ci')),
    key         text        NOT NULL DEFAULT '',
    summary     jsonb       NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX repository_activity_link_idx ON repository_activity (link_id, kind, key, id DESC);
