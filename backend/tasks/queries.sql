-- name: CreateTask :one
-- CreateTask inserts a task; it returns no row when the client already
-- created a task with the same request_id.
WITH ins AS (
    INSERT INTO tasks (client_id, title, description, budget_min_fen, budget_max_fen,
                       delivery_date, skill_tags, request_id)
    VALUES (@client_id, @title, @description, @budget_min_fen, @budget_max_fen,
            @delivery_date, @skill_tags, sqlc.narg('request_id'))
    ON CONFLICT (client_id, request_id) DO NOTHING
    RETURNING *
)
SELECT ins.id, ins.ref_no, ins.client_id, ins.title, ins.description, ins.budget_min_fen,
       ins.budget_max_fen, ins.delivery_date, ins.skill_tags, ins.status, ins.request_id,
       ins.demo, ins.create_time, u.display_name AS client_display_name
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

-- name: ListTasks :many
-- ListTasks returns the tasks older than the cursor, newest first.
SELECT sqlc.embed(t), u.display_name AS client_display_name
FROM tasks t
JOIN users u ON u.id = t.client_id
WHERE (t.create_time, t.id) < (@before_time::timestamptz, @before_id::uuid)
ORDER BY t.create_time DESC, t.id DESC
LIMIT @row_limit;

-- name: ListClientTasks :many
-- ListClientTasks is ListTasks for one client's own tasks.
SELECT sqlc.embed(t), u.display_name AS client_display_name
FROM tasks t
JOIN users u ON u.id = t.client_id
WHERE t.client_id = @client_id
  AND (t.create_time, t.id) < (@before_time::timestamptz, @before_id::uuid)
ORDER BY t.create_time DESC, t.id DESC
LIMIT @row_limit;
