-- name: CountLinks :one
SELECT count(*) FROM repository_links WHERE task_id = $1;

-- name: InsertLink :one
INSERT INTO repository_links (task_id, host, path, secret, created_by)
VALUES (@task_id, @host, @path, @secret, @created_by)
ON CONFLICT (task_id, host, path) DO NOTHING
RETURNING *;

-- name: ListLinks :many
SELECT * FROM repository_links WHERE task_id = $1 ORDER BY create_time, id;

-- name: GetLink :one
SELECT * FROM repository_links WHERE id = $1;

-- name: DeleteLink :exec
DELETE FROM repository_links WHERE id = $1;

-- name: InsertDelivery :execrows
INSERT INTO repository_deliveries (link_id, delivery_id, event)
VALUES (@link_id, @delivery_id, @event)
ON CONFLICT (link_id, delivery_id) DO NOTHING;

-- name: InsertActivity :one
INSERT INTO repository_activity (link_id, kind, key, summary)
VALUES (@link_id, @kind, @key, @summary)
RETURNING id, create_time;

-- name: ListPushes :many
SELECT a.link_id, l.path, a.summary, a.create_time
FROM repository_activity a JOIN repository_links l ON l.id = a.link_id
WHERE l.task_id = @task_id AND a.kind = 'push'
ORDER BY a.id DESC
LIMIT @max_rows;

-- name: ListLatest :many
-- ListLatest returns the latest activity of each key of kind, the most
-- recent first.
SELECT x.link_id, x.path, x.summary, x.create_time FROM (
    SELECT DISTINCT ON (a.link_id, a.key) a.id, a.link_id, l.path, a.summary, a.create_time
    FROM repository_activity a JOIN repository_links l ON l.id = a.link_id
    WHERE l.task_id = @task_id AND a.kind = @kind
    ORDER BY a.link_id, a.key, a.id DESC
) x
ORDER BY x.id DESC
LIMIT @max_rows;

-- name: DisplayName :one
SELECT display_name FROM users WHERE id = $1;
