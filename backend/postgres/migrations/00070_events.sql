-- +goose Up
-- Real-time events (TASK-4): what each person's open views are told, at
-- once, by the event stream (talent.events.v1). Every event is addressed
-- to one person and numbered per person (seq): a stream that drops
-- reconnects with the last seq it saw and gets what it missed, in order,
-- without gaps or duplicates.
--
-- Events are written by triggers (and by emit_event called from Go), in
-- the transaction of the change they tell of, so an event exists exactly
-- when its change committed. AFTER INSERT on events, pg_notify tells every
-- talentd process "user:seq" on the channel talent_events; each process
-- wakes the streams of that person, which read the rows themselves.
-- How to add a kind of event: docs/realtime.md.

-- event_cursors holds each person's last seq. Taking the next seq locks
-- the person's row until commit, so seqs commit in order: a reader that
-- saw seq n has seen every seq below n.
CREATE TABLE event_cursors (
    user_id uuid   PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    seq     bigint NOT NULL
);

CREATE TABLE events (
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq         bigint      NOT NULL,
    -- kind names what happened: "notification", "task.changed",
    -- "task.event", "repo.push", ... (lower-case, digits, '.', '_').
    kind        text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,79}$'),
    -- task_id is the task the event is about, if any.
    task_id     uuid        REFERENCES tasks (id) ON DELETE CASCADE,
    payload     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, seq)
);

CREATE INDEX events_create_time_idx ON events (create_time);

-- emit_event records one event for recipient in the current transaction
-- and returns its seq. Callers that emit to several people in one
-- transaction should do so in a fixed order (emit_task_event sorts) so
-- that two transactions cannot deadlock on each other's cursors.
-- +goose StatementBegin
CREATE FUNCTION emit_event(recipient uuid, event_kind text, event_task uuid, event_payload jsonb)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    next_seq bigint;
BEGIN
    INSERT INTO event_cursors AS c (user_id, seq) VALUES (recipient, 1)
    ON CONFLICT (user_id) DO UPDATE SET seq = c.seq + 1
    RETURNING c.seq INTO next_seq;
    INSERT INTO events (user_id, seq, kind, task_id, payload)
    VALUES (recipient, next_seq, event_kind, event_task, coalesce(event_payload, '{}'::jsonb));
    RETURN next_seq;
END;
$$;
-- +goose StatementEnd

-- emit_task_event records one event for each party of the task (its client
-- and, once awarded, its provider), in user id order. The payload gets
-- "task" (the readable reference) added.
-- +goose StatementBegin
CREATE FUNCTION emit_task_event(event_task uuid, event_kind text, event_payload jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    party uuid;
    ref   text;
BEGIN
    SELECT 'T-' || lpad(t.ref_no::text, 6, '0') INTO ref FROM tasks t WHERE t.id = event_task;
    FOR party IN
        SELECT DISTINCT p FROM tasks t, LATERAL (VALUES (t.client_id), (t.provider_id)) AS v (p)
        WHERE t.id = event_task AND p IS NOT NULL ORDER BY p
    LOOP
        PERFORM emit_event(party, event_kind, event_task,
                           coalesce(event_payload, '{}'::jsonb) || jsonb_build_object('task', ref));
    END LOOP;
END;
$$;
-- +goose StatementEnd

-- events_notify tells every listening talentd "user:seq" at commit.
-- +goose StatementBegin
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('talent_events', NEW.user_id::text || ':' || NEW.seq::text);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_notify();

-- A notification (backend/notifications.Send) is an event for its person.
-- +goose StatementBegin
CREATE FUNCTION notifications_emit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_event(NEW.user_id, 'notification', NULL, jsonb_build_object(
        'id', NEW.id, 'kind', NEW.kind, 'params', NEW.params, 'link', NEW.link));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER notifications_emit AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION notifications_emit();

-- Marking notifications read tells the person's other views (the bell's
-- count), once per person and statement.
-- +goose StatementBegin
CREATE FUNCTION notifications_read_emit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    person uuid;
BEGIN
    FOR person IN
        SELECT DISTINCT n.user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.read_time IS NULL AND n.read_time IS NOT NULL ORDER BY n.user_id
    LOOP
        PERFORM emit_event(person, 'notification.read', NULL, '{}'::jsonb);
    END LOOP;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER notifications_read_emit AFTER UPDATE ON notifications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notifications_read_emit();

-- Every entry of a task's timeline (task_events) is an event for its parties.
-- +goose StatementBegin
CREATE FUNCTION task_events_emit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_task_event(NEW.task_id, 'task.event', jsonb_build_object(
        'id', NEW.id, 'actor', NEW.actor_id, 'from', NEW.from_status,
        'to', NEW.to_status, 'note', NEW.note));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER task_events_emit AFTER INSERT ON task_events
    FOR EACH ROW EXECUTE FUNCTION task_events_emit();

-- A change of a task's status, the provider's sub-status or its provider
-- is an event for its parties (the provider just awarded included).
-- +goose StatementBegin
CREATE FUNCTION tasks_emit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM emit_task_event(NEW.id, 'task.changed', jsonb_build_object(
        'status', NEW.status, 'sub_status', NEW.sub_status));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER tasks_emit AFTER UPDATE OF status, sub_status, provider_id ON tasks
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.sub_status IS DISTINCT FROM NEW.sub_status
          OR OLD.provider_id IS DISTINCT FROM NEW.provider_id)
    EXECUTE FUNCTION tasks_emit();
