-- +goose Up
-- Tasks: IT work posted by clients (requirements TASK-1, TASK-2).

-- task_ref_no_seq numbers tasks for their readable reference "T-000123".
CREATE SEQUENCE task_ref_no_seq AS bigint START WITH 1;

CREATE TABLE tasks (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    ref_no         bigint      NOT NULL UNIQUE DEFAULT nextval('task_ref_no_seq'),
    client_id      uuid        NOT NULL REFERENCES users (id),
    title          text        NOT NULL CHECK (title <> '' AND char_length(title) <= 120),
    -- description is Markdown.
    description    text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 20000),
    -- budget in CNY fen (1 yuan = 100 fen); at least 100 yuan.
    budget_min_fen bigint      NOT NULL CHECK (budget_min_fen >= 10000),
    budget_max_fen bigint      NOT NULL,
    -- delivery_date is the wanted delivery day in China Standard Time.
    delivery_date  date        NOT NULL,
    skill_tags     text[]      NOT NULL CHECK (cardinality(skill_tags) BETWEEN 1 AND 10),
    status         text        NOT NULL DEFAULT 'open'
                               CHECK (status IN ('open', 'awarded', 'in_progress', 'delivered',
                                                 'accepted', 'closed', 'cancelled', 'disputed')),
    -- request_id makes CreateTask idempotent per client; NULL when the
    -- caller sent none (NULLs never conflict).
    request_id     text        CHECK (request_id <> '' AND char_length(request_id) <= 100),
    -- demo marks tasks created by the demo seed.
    demo           boolean     NOT NULL DEFAULT false,
    create_time    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasks_budget_range_check CHECK (budget_min_fen <= budget_max_fen),
    CONSTRAINT tasks_client_request_key UNIQUE (client_id, request_id)
);

ALTER SEQUENCE task_ref_no_seq OWNED BY tasks.ref_no;

-- tasks_list_idx serves ListTasks: newest first, keyset pagination.
CREATE INDEX tasks_list_idx ON tasks (create_time DESC, id DESC);
-- tasks_client_list_idx serves ListTasks with mine=true.
CREATE INDEX tasks_client_list_idx ON tasks (client_id, create_time DESC, id DESC);
