-- name: ListVersions :many
SELECT list, version FROM moderation_list_versions;

-- name: AllKeywords :many
-- AllKeywords returns every keyword of both lists, for the checker and the
-- edges' list files.
SELECT list, word FROM moderation_keywords ORDER BY list, word;

-- name: ListKeywords :many
SELECT k.list, k.word, k.note, k.added_by, k.create_time
FROM moderation_keywords k
WHERE k.list = @list
  AND (@query::text = '' OR strpos(lower(k.word), lower(@query::text)) > 0)
  AND k.word > @after::text
ORDER BY k.word
LIMIT @page_size;

-- name: CountKeywords :one
SELECT count(*) FROM moderation_keywords WHERE list = @list;

-- name: ListVersion :one
SELECT version FROM moderation_list_versions WHERE list = @list;

-- name: LockListVersion :one
-- LockListVersion holds the list's version row until the change commits,
-- so changes to one list are numbered one after the other.
SELECT version FROM moderation_list_versions WHERE list = @list FOR UPDATE;

-- name: BumpListVersion :one
UPDATE moderation_list_versions SET version = version + 1 WHERE list = @list RETURNING version;

-- name: InsertKeyword :execrows
INSERT INTO moderation_keywords (list, word, note, added_by)
VALUES (@list, @word, @note, @added_by)
ON CONFLICT (list, word) DO NOTHING;

-- name: DeleteKeyword :execrows
DELETE FROM moderation_keywords WHERE list = @list AND word = @word;

-- name: InsertPatrolItem :one
INSERT INTO moderation_patrol_items (kind, item_id, link, field, excerpt, words, author_id)
VALUES (@kind, @item_id, @link, @field, @excerpt, @words, @author_id)
RETURNING id;

-- name: ListPatrolItems :many
SELECT p.id, p.kind, p.item_id, p.link, p.field, p.excerpt, p.words, p.author_id,
       p.create_time, p.status, p.resolver_id, p.resolve_time, p.resolution_note,
       coalesce(u.display_name, '')::text AS author_name
FROM moderation_patrol_items p
LEFT JOIN users u ON u.id = p.author_id
WHERE p.status = @status AND p.id > @after_id
ORDER BY p.id
LIMIT @page_size;

-- name: GetPatrolItem :one
SELECT p.id, p.kind, p.item_id, p.link, p.field, p.excerpt, p.words, p.author_id,
       p.create_time, p.status, p.resolver_id, p.resolve_time, p.resolution_note,
       coalesce(u.display_name, '')::text AS author_name
FROM moderation_patrol_items p
LEFT JOIN users u ON u.id = p.author_id
WHERE p.id = @id;

-- name: LockPatrolItem :one
SELECT status FROM moderation_patrol_items WHERE id = @id FOR UPDATE;

-- name: ResolvePatrolItem :exec
UPDATE moderation_patrol_items
SET status = @status, resolver_id = @resolver_id, resolve_time = now(), resolution_note = @resolution_note
WHERE id = @id;

-- name: ResolveSiblingItems :many
-- ResolveSiblingItems settles the other pending items of the same item
-- with the same decision (a task queued for its title and its
-- description is taken down once).
UPDATE moderation_patrol_items
SET status = @status, resolver_id = @resolver_id, resolve_time = now(), resolution_note = @resolution_note
WHERE kind = @kind AND item_id = @item_id AND status = 'pending' AND id <> @id
RETURNING id;
