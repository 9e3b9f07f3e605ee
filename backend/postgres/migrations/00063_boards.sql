-- +goose Up
-- Kanban boards, one per engagement (TASK-3, issue 4 item 5). Columns and
-- cards are ordered by a fractional rank: a move writes one row, ranking
-- the card between its new neighbours. Each card carries a version for
-- optimistic concurrency: a change names the version it saw.
CREATE TABLE board_columns (
    id          uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id     uuid             NOT NULL REFERENCES tasks (id),
    name        text             NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
    rank        double precision NOT NULL,
    create_time timestamptz      NOT NULL DEFAULT now()
);

CREATE INDEX board_columns_task_idx ON board_columns (task_id, rank);

CREATE TABLE board_cards (
    id          uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id     uuid             NOT NULL REFERENCES tasks (id),
    column_id   uuid             NOT NULL REFERENCES board_columns (id) ON DELETE CASCADE,
    title       text             NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    assignee_id uuid             REFERENCES users (id),
    rank        double precision NOT NULL,
    version     integer          NOT NULL DEFAULT 1,
    create_time timestamptz      NOT NULL DEFAULT now(),
    update_time timestamptz      NOT NULL DEFAULT now()
);

CREATE INDEX board_cards_column_idx ON board_cards (column_id, rank);

CREATE TABLE board_checklist_items (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    card_id     uuid        NOT NULL REFERENCES board_cards (id) ON DELETE CASCADE,
    text        text        NOT NULL CHECK (char_length(text) BETWEEN 1 AND 200),
    done        boolean     NOT NULL DEFAULT false,
    create_time timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX board_checklist_items_card_idx ON board_checklist_items (card_id, create_time);
