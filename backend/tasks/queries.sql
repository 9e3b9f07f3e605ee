-- name: CreateTask :one
-- CreateTask inserts a task; it returns no row when the client already
-- created a task with the same request_id.
WITH ins AS (
    INSERT INTO tasks (client_id, title, description, budget_min_fen, budget_max_fen,
                       delivery_date, skill_tags, request_id, task_type, remote, city,
                       status, search_text)
    VALUES (@client_id, @title, @description, @budget_min_fen, @budget_max_fen,
            @delivery_date, @skill_tags, sqlc.narg('request_id'), @task_type, @remote, @city,
            @status, @search_text)
    ON CONFLICT (client_id, request_id) DO NOTHING
    RETURNING *
)
SELECT ins.id, ins.ref_no, ins.client_id, ins.title, ins.description, ins.budget_min_fen,
       ins.budget_max_fen, ins.delivery_date, ins.skill_tags, ins.status, ins.request_id,
       ins.demo, ins.create_time, ins.task_type, ins.remote, ins.city, ins.sub_status,
       ins.update_time, ins.search_text, u.display_name AS client_display_name
FROM ins
JOIN users u ON u.id = ins.client_id;

-- name: GetTaskByRequestID :one
SELECT sqlc.embed(t), u.display_name AS client_display_name
FROM tasks t
JOIN users u ON u.id = t.client_id
WHERE t.client_id = @client_id AND t.request_id = @request_id;

-- name: GetTask :one
SELECT sqlc.embed(t), u.display_name AS client_display_name
FROM tasks t
JOIN users u ON u.id = t.client_id
WHERE t.id = @id;

-- name: GetTaskByRef :one
SELECT sqlc.embed(t), u.display_name AS client_display_name
FROM tasks t
JOIN users u ON u.id = t.client_id
WHERE t.ref_no = @ref_no;

-- name: LockTask :one
-- LockTask reads a task for a change, holding its row lock until the
-- transaction ends so that concurrent changes apply one after another.
SELECT * FROM tasks WHERE id = @id FOR UPDATE;

-- name: LockPartyEventCursors :exec
-- LockPartyEventCursors takes the event cursors (backend/events) of a
-- task's parties in user id order at the start of a change. A change emits
-- events and notifications to them in whatever order its code runs; with
-- both cursors held first, two changes of different tasks between the same
-- two people cannot deadlock on each other's cursors. A missing cursor is
-- made at seq 0, so the first event still gets seq 1.
INSERT INTO event_cursors AS c (user_id, seq)
SELECT p, 0 FROM unnest(@parties::uuid[]) AS p ORDER BY p
ON CONFLICT (user_id) DO UPDATE SET seq = c.seq;

-- name: UpdateTask :exec
UPDATE tasks
SET title = @title, description = @description, budget_min_fen = @budget_min_fen,
    budget_max_fen = @budget_max_fen, delivery_date = @delivery_date, skill_tags = @skill_tags,
    task_type = @task_type, remote = @remote, city = @city, search_text = @search_text,
    update_time = now()
WHERE id = @id;

-- name: SetTaskStatus :exec
UPDATE tasks
SET status = @status, sub_status = @sub_status, update_time = now()
WHERE id = @id;

-- name: InsertTaskEvent :exec
INSERT INTO task_events (task_id, actor_id, from_status, to_status, note)
VALUES (@task_id, @actor_id, @from_status, @to_status, @note);

-- name: ListTaskEvents :many
-- ListTaskEvents returns a task's timeline, oldest first.
SELECT e.id, e.from_status, e.to_status, e.actor_id, e.note, e.create_time, e.note_takedown_reason,
       u.display_name AS actor_display_name
FROM task_events e
JOIN users u ON u.id = e.actor_id
WHERE e.task_id = @task_id
ORDER BY e.id;

-- name: GetTaskParties :one
-- GetTaskParties reads who a task is between, by id or by reference.
SELECT id, ref_no, client_id, provider_id, status
FROM tasks
WHERE (@id::uuid <> '00000000-0000-0000-0000-000000000000'::uuid AND id = @id::uuid)
   OR (@ref_no::bigint <> 0 AND ref_no = @ref_no::bigint);

-- name: SetTaskTakedown :exec
-- SetTaskTakedown marks a task taken down by moderation (SEC-5): it is
-- hidden from everyone but its client.
UPDATE tasks SET takedown_reason = @reason, update_time = now() WHERE id = @id;

-- name: LastTaskEventID :one
-- LastTaskEventID is the id of the task's newest event: the one just
-- written, while the task's row is locked.
SELECT id FROM task_events WHERE task_id = @task_id ORDER BY id DESC LIMIT 1;

-- name: TakeDownTaskNote :one
-- TakeDownTaskNote hides a timeline note (SEC-5).
UPDATE task_events SET note_takedown_reason = @reason WHERE id = @id
RETURNING task_id, note;

-- name: ClearSubStatusIf :exec
-- ClearSubStatusIf clears the task's sub-status when it is note.
UPDATE tasks SET sub_status = '' WHERE id = @id AND sub_status = @note;
