-- +goose Up
-- Push on publish (issue #5): the top matches of a newly published task
-- are notified once, by whichever talentd process claims the task here.

CREATE TABLE matching_pushes (
    task_id     uuid        PRIMARY KEY REFERENCES tasks (id),
    -- providers are the ones notified, best first.
    providers   uuid[]      NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now()
);
