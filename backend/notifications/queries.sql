-- name: InsertNotification :one
INSERT INTO notifications (user_id, kind, params, link)
VALUES (@user_id, @kind, @params::jsonb, @link)
RETURNING id, create_time;

-- name: ListNotifications :many
SELECT id, kind, params::text AS params, link, create_time, read_time
FROM notifications
WHERE user_id = @user_id
  AND id < @before_id
  AND (NOT @unread_only::boolean OR read_time IS NULL)
ORDER BY id DESC
LIMIT @page_size;

-- name: CountUnread :one
SELECT count(*) FROM notifications WHERE user_id = @user_id AND read_time IS NULL;

-- name: MarkRead :exec
UPDATE notifications SET read_time = now()
WHERE user_id = @user_id
  AND read_time IS NULL
  AND (id = ANY(@ids::bigint[]) OR id <= @up_to_id);
