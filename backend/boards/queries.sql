-- name: LockBoard :exec
-- LockBoard serialises the changes of one task's board until the
-- transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('board:' || sqlc.arg(task_id)::text, 0));

-- name: CountColumns :one
SELECT count(*)::int FROM board_columns WHERE task_id = @task_id;

-- name: InsertColumn :one
INSERT INTO board_columns (task_id, name, rank, written_by)
VALUES (@task_id, @name, @rank, sqlc.narg('written_by')) RETURNING *;

-- name: MaxColumnRank :one
SELECT coalesce(max(rank), 0)::double precision FROM board_columns WHERE task_id = @task_id;

-- name: GetColumn :one
SELECT * FROM board_columns WHERE id = @id;

-- name: RenameColumn :exec
UPDATE board_columns SET name = @name, written_by = @written_by, takedown_reason = NULL WHERE id = @id;

-- name: DeleteColumn :exec
DELETE FROM board_columns WHERE id = @id;

-- name: CountCardsInColumn :one
SELECT count(*)::int FROM board_cards WHERE column_id = @column_id;

-- name: ListColumns :many
SELECT * FROM board_columns WHERE task_id = @task_id ORDER BY rank, id;

-- name: ListCards :many
SELECT * FROM board_cards WHERE task_id = @task_id ORDER BY rank, id;

-- name: ListChecklist :many
SELECT i.* FROM board_checklist_items i
JOIN board_cards c ON c.id = i.card_id
WHERE c.task_id = @task_id
ORDER BY i.create_time, i.id;

-- name: GetCard :one
SELECT * FROM board_cards WHERE id = @id;

-- name: ColumnCardRanks :many
-- ColumnCardRanks lists a column's cards in order, but one.
SELECT id, rank FROM board_cards
WHERE column_id = @column_id AND id <> @except_id
ORDER BY rank, id;

-- name: SetCardRank :exec
UPDATE board_cards SET rank = @rank WHERE id = @id;

-- name: InsertCard :one
INSERT INTO board_cards (task_id, column_id, title, assignee_id, rank, written_by)
VALUES (@task_id, @column_id, @title, sqlc.narg('assignee_id'), @rank, @written_by)
RETURNING *;

-- name: UpdateCard :exec
UPDATE board_cards
SET title = @title, assignee_id = sqlc.narg('assignee_id'), version = version + 1, update_time = now(),
    written_by = CASE WHEN title = @title THEN written_by ELSE @written_by::uuid END,
    takedown_reason = CASE WHEN title = @title THEN takedown_reason END
WHERE id = @id;

-- name: MoveCard :exec
UPDATE board_cards
SET column_id = @column_id, rank = @rank, version = version + 1, update_time = now()
WHERE id = @id;

-- name: BumpCard :exec
UPDATE board_cards SET version = version + 1, update_time = now() WHERE id = @id;

-- name: DeleteCard :exec
DELETE FROM board_cards WHERE id = @id;

-- name: InsertChecklistItem :one
INSERT INTO board_checklist_items (card_id, text, written_by) VALUES (@card_id, @text, @written_by) RETURNING id;

-- name: GetChecklistItem :one
SELECT i.*, c.task_id FROM board_checklist_items i
JOIN board_cards c ON c.id = i.card_id
WHERE i.id = @id;

-- name: SetChecklistItemDone :exec
UPDATE board_checklist_items SET done = @done WHERE id = @id;

-- name: TakeDownColumn :one
-- The TakeDown queries hide a board text from everyone but who wrote it
-- and admins (SEC-5).
UPDATE board_columns SET takedown_reason = @reason WHERE id = @id RETURNING task_id;

-- name: TakeDownCard :one
UPDATE board_cards SET takedown_reason = @reason, version = version + 1, update_time = now()
WHERE id = @id RETURNING task_id;

-- name: TakeDownChecklistItem :one
UPDATE board_checklist_items SET takedown_reason = @reason WHERE id = @id RETURNING card_id;
