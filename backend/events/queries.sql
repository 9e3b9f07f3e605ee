-- name: LatestSeq :one
-- LatestSeq is the seq of the person's last event, 0 if none.
SELECT coalesce((SELECT c.seq FROM event_cursors c WHERE c.user_id = $1), 0)::bigint AS seq;

-- name: OldestSeq :one
-- OldestSeq is the seq of the person's oldest kept event, 0 if none.
SELECT coalesce(min(e.seq), 0)::bigint AS seq FROM events e WHERE e.user_id = $1;

-- name: ListEventsAfter :many
SELECT e.seq, e.kind, e.payload, e.create_time,
       coalesce('T-' || lpad(t.ref_no::text, 6, '0'), '')::text AS task_ref
FROM events e LEFT JOIN tasks t ON t.id = e.task_id
WHERE e.user_id = @user_id AND e.seq > @after_seq
ORDER BY e.seq
LIMIT @max_rows;

-- name: EmitEvent :one
SELECT emit_event(@recipient::uuid, @kind::text, sqlc.narg(task_id)::uuid, @payload::jsonb)::bigint AS seq;

-- name: EmitTaskEvent :exec
SELECT emit_task_event(@task_id::uuid, @kind::text, @payload::jsonb);

-- name: PruneEvents :execrows
-- PruneEvents deletes events older than the cutoff (catch-up older than
-- that is a reset).
DELETE FROM events WHERE create_time < @cutoff;

-- name: CommitTimes :many
-- CommitTimes gives, for events sent live, when their transaction
-- committed if Postgres keeps commit timestamps (track_commit_timestamp =
-- on), otherwise when it started (create_time): the start of
-- talent_events_delivery_seconds.
SELECT e.user_id, e.seq,
       coalesce(CASE WHEN current_setting('track_commit_timestamp')::boolean
                     THEN pg_xact_commit_timestamp(e.xmin) END,
                e.create_time)::timestamptz AS commit_time
FROM events e
WHERE (e.user_id, e.seq) IN (
    SELECT u, s FROM unnest(@user_ids::uuid[]) WITH ORDINALITY AS a (u, i)
    JOIN unnest(@seqs::bigint[]) WITH ORDINALITY AS b (s, j) ON a.i = b.j);
