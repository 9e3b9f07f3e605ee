-- name: LockChain :exec
-- LockChain serializes writers of the chain until the transaction ends.
SELECT pg_advisory_xact_lock(7261637410);

-- name: ChainHead :one
-- ChainHead returns the last entry's id and hash (0 and no hash for an
-- empty log), the transaction's time, and detail in jsonb's canonical text.
SELECT coalesce((SELECT id FROM audit_log ORDER BY id DESC LIMIT 1), 0)::bigint AS last_id,
       coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), ''::bytea)::bytea AS last_hash,
       now()::timestamptz AS now,
       (sqlc.arg(detail)::jsonb)::text AS detail;

-- name: InsertEntry :exec
INSERT INTO audit_log (id, create_time, actor_id, action, target, ip, detail, prev_hash, hash)
VALUES (@id, @create_time, @actor_id, @action, @target, @ip, @detail::jsonb, @prev_hash, @hash);

-- name: ListEntries :many
-- ListEntries pages backwards from before_id, optionally for one actor or
-- action prefix.
SELECT id, create_time, actor_id, action, target, ip, detail::text AS detail, prev_hash, hash
FROM audit_log
WHERE id < @before_id
  AND (sqlc.narg(actor_id)::uuid IS NULL OR actor_id = sqlc.narg(actor_id))
  AND starts_with(action, @action_prefix::text)
ORDER BY id DESC
LIMIT @page_size;

-- name: ScanChain :many
-- ScanChain reads entries in chain order from after_id, for Verify.
SELECT id, create_time, actor_id, action, target, ip, detail::text AS detail, prev_hash, hash
FROM audit_log
WHERE id > @after_id
ORDER BY id
LIMIT @batch;
