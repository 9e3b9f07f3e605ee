-- +goose Up
-- The task marketplace (requirements TASK-1, TASK-2): task types, remote or
-- a city, drafts, the provider's sub-status, the recorded life of a task,
-- and search over title, description and tags in Chinese and English.

-- pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check
    CHECK (status IN ('draft', 'open', 'awarded', 'in_progress', 'delivered',
                      'accepted', 'closed', 'cancelled', 'disputed'));

ALTER TABLE tasks
    -- task_type is a catalogue entry; tasks posted before types existed are "other".
    ADD COLUMN task_type   text        NOT NULL DEFAULT 'other'
        CHECK (task_type IN ('front_end', 'back_end', 'full_stack', 'mobile', 'mini_program',
                             'database_ops', 'devops', 'data_analysis', 'ai_ml', 'testing',
                             'ui_ux_design', 'other')),
    -- remote tasks have no city; on-site tasks name one.
    ADD COLUMN remote      boolean     NOT NULL DEFAULT true,
    ADD COLUMN city        text        NOT NULL DEFAULT '' CHECK (char_length(city) <= 40),
    -- sub_status is the provider's free-text progress while in_progress.
    ADD COLUMN sub_status  text        NOT NULL DEFAULT '' CHECK (char_length(sub_status) <= 40),
    ADD COLUMN update_time timestamptz NOT NULL DEFAULT now(),
    -- search_text is the lower-cased title, description and tags that
    -- search matches substrings of (see tasks_search_trgm_idx).
    ADD COLUMN search_text text        NOT NULL DEFAULT '',
    ADD CONSTRAINT tasks_remote_city_check CHECK (remote = (city = ''));

UPDATE tasks SET search_text = lower(title || E'\n' || array_to_string(skill_tags, ' ') || E'\n' || description);

-- tasks_search_trgm_idx serves substring search (ILIKE '%term%') for terms
-- of three characters or more; shorter terms (a two-character Chinese
-- word) are still found correctly, by scanning the filtered rows.
CREATE INDEX tasks_search_trgm_idx ON tasks USING gin (search_text gin_trgm_ops);
-- tasks_skill_tags_idx serves the skills filter (&& and @>).
CREATE INDEX tasks_skill_tags_idx ON tasks USING gin (skill_tags);
-- Orders of ListTasks over the public list, which always filters by status.
CREATE INDEX tasks_status_list_idx ON tasks (status, create_time DESC, id DESC);
CREATE INDEX tasks_status_budget_max_idx ON tasks (status, budget_max_fen DESC, id DESC);
CREATE INDEX tasks_status_budget_min_idx ON tasks (status, budget_min_fen, id);
CREATE INDEX tasks_status_delivery_idx ON tasks (status, delivery_date, id);

-- task_events records every change of a task's status: the timeline.
CREATE TABLE task_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id     uuid        NOT NULL REFERENCES tasks (id),
    actor_id    uuid        NOT NULL REFERENCES users (id),
    -- from_status is '' for the event that created the task.
    from_status text        NOT NULL,
    to_status   text        NOT NULL,
    note        text        NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
    create_time timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX task_events_task_idx ON task_events (task_id, id);
