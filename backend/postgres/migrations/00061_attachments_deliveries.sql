-- +goose Up
-- Deliveries and file attachments (issue 4 items 1 and 7).
--
-- deliveries: what the provider handed over: a note, links, files.
CREATE TABLE deliveries (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id     uuid        NOT NULL REFERENCES tasks (id),
    provider_id uuid        NOT NULL REFERENCES users (id),
    note        text        NOT NULL CHECK (char_length(note) <= 5000),
    links       text[]      NOT NULL DEFAULT '{}',
    create_time timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX deliveries_task_idx ON deliveries (task_id, create_time);

-- task_attachments: a file in the object store, uploaded by the browser
-- through a presigned URL. status 'pending' until the upload is verified
-- (size, type, first bytes), then 'ready'. delivery_id is set once a
-- ready file is handed over with a delivery.
CREATE TABLE task_attachments (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id      uuid        NOT NULL REFERENCES tasks (id),
    uploader_id  uuid        NOT NULL REFERENCES users (id),
    delivery_id  uuid        REFERENCES deliveries (id),
    object_key   text        NOT NULL UNIQUE,
    file_name    text        NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 200),
    content_type text        NOT NULL,
    size_bytes   bigint      NOT NULL CHECK (size_bytes > 0),
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready')),
    create_time  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX task_attachments_task_idx ON task_attachments (task_id, create_time);
