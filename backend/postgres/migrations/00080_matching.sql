-- +goose Up
-- The matching engine (requirements MATCH-1..MATCH-3): administrators'
-- corrections and the slates served with what viewers did with them.

-- matching_corrections is the append-only log of corrections (MATCH-3);
-- the engine's state is the log replayed in id order.
CREATE TABLE matching_corrections (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    uuid        NOT NULL REFERENCES users (id),
    kind        text        NOT NULL
                            CHECK (kind IN ('flag', 'unflag', 'skills', 'clear_skills', 'pin', 'demote', 'unplace')),
    provider_id uuid        NOT NULL REFERENCES users (id),
    -- task_id or skill scope pin, demote and unplace; neither for the rest.
    task_id     uuid        REFERENCES tasks (id),
    skill       text        NOT NULL DEFAULT '' CHECK (char_length(skill) <= 40),
    -- skills is the corrected list for kind 'skills': [{"tag": "go", "level": 4}].
    skills      jsonb       NOT NULL DEFAULT '[]'::jsonb,
    note        text        NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
    create_time timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT matching_corrections_scope_check CHECK (
        CASE WHEN kind IN ('pin', 'demote', 'unplace')
             THEN (task_id IS NULL) <> (skill = '')
             ELSE task_id IS NULL AND skill = '' END)
);

CREATE INDEX matching_corrections_provider_idx ON matching_corrections (provider_id, id);

-- matching_slates records every slate served (MATCH-2): the items in the
-- order shown.
CREATE TABLE matching_slates (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- direction 'providers': providers for task_id, shown to its client;
    -- 'tasks': tasks for provider_id, shown to that provider.
    direction   text        NOT NULL CHECK (direction IN ('providers', 'tasks')),
    viewer_id   uuid        NOT NULL REFERENCES users (id),
    task_id     uuid        REFERENCES tasks (id),
    provider_id uuid        REFERENCES users (id),
    items       uuid[]      NOT NULL,
    -- explore lists the items in exploration slots.
    explore     uuid[]      NOT NULL DEFAULT '{}',
    create_time timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT matching_slates_scope_check CHECK (
        (direction = 'providers' AND task_id IS NOT NULL AND provider_id IS NULL)
        OR (direction = 'tasks' AND provider_id IS NOT NULL AND task_id IS NULL))
);

CREATE INDEX matching_slates_time_idx ON matching_slates (create_time);

-- matching_slate_events: each kind counts once per slate and item.
CREATE TABLE matching_slate_events (
    slate_id    uuid        NOT NULL REFERENCES matching_slates (id) ON DELETE CASCADE,
    item_id     uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('impression', 'click', 'invite', 'proposal', 'hire')),
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (slate_id, item_id, kind)
);

CREATE INDEX matching_slate_events_time_idx ON matching_slate_events (create_time);
CREATE INDEX matching_slate_events_kind_idx ON matching_slate_events (kind, create_time)
    WHERE kind IN ('invite', 'proposal', 'hire');
