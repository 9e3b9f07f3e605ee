-- +goose Up
-- The announcement carries the event (TASK-4): each talentd process that
-- LISTENs hands it straight to the person's open streams, which send it
-- without reading it back from the database. That takes a query, and a
-- trip to a Postgres backend, off the path from commit to client.
--
-- Streams still only send an event that directly follows the last one they
-- sent (seq = cursor + 1); anything else (a gap, an announcement without
-- the event, a reconnected listener) makes them read the rows as before, so
-- catch-up and live delivery keep one source of truth: the events table.
--
-- The message is "user:seq:" and a JSON object: k (kind), t (the task's
-- readable reference or ""), p (payload), c (create_time). It starts as
-- before ("user:seq"), so a process still running the previous release
-- during a rolling upgrade wakes the streams as it did. An event whose
-- message would not fit comfortably in NOTIFY's 8000 bytes is announced as
-- "user:seq" alone and read from the table.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    msg text;
BEGIN
    msg := NEW.user_id::text || ':' || NEW.seq::text || ':' || json_build_object(
        'k', NEW.kind,
        't', coalesce((SELECT 'T-' || lpad(t.ref_no::text, 6, '0') FROM tasks t WHERE t.id = NEW.task_id), ''),
        'p', NEW.payload, 'c', NEW.create_time)::text;
    IF octet_length(msg) > 7000 THEN
        msg := NEW.user_id::text || ':' || NEW.seq::text;
    END IF;
    PERFORM pg_notify('talent_events', msg);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
