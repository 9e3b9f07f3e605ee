-- name: ProvidersCreatedSince :many
-- ProvidersCreatedSince reads provider accounts created or deleted after a
-- time (all with the zero time): the provider read model as main has it
-- today.
SELECT u.id, u.display_name, u.create_time, u.delete_time
FROM users u
WHERE 'provider' = ANY (u.roles) AND (u.create_time > @since OR u.delete_time > @since)
ORDER BY u.create_time;

-- name: OpenTasks :many
-- OpenTasks reads every open task (the feed's start).
SELECT t.id, t.ref_no, t.client_id, t.title, t.skill_tags, t.budget_min_fen, t.budget_max_fen,
       t.remote, t.city, t.status, t.create_time, t.update_time
FROM tasks t
WHERE t.status = 'open';

-- name: TasksChangedSince :many
-- TasksChangedSince reads the published tasks changed after a time, open
-- or no longer open.
SELECT t.id, t.ref_no, t.client_id, t.title, t.skill_tags, t.budget_min_fen, t.budget_max_fen,
       t.remote, t.city, t.status, t.create_time, t.update_time
FROM tasks t
WHERE t.update_time > @since AND t.status <> 'draft';

-- name: GetTask :one
SELECT t.id, t.ref_no, t.client_id, t.title, t.skill_tags, t.budget_min_fen, t.budget_max_fen,
       t.remote, t.city, t.status, t.create_time, t.update_time
FROM tasks t
WHERE t.id = @id;

-- name: TaskCards :many
-- TaskCards reads what a feed shows of tasks.
SELECT t.id, t.ref_no, t.title, t.budget_min_fen, t.budget_max_fen, t.remote, t.city
FROM tasks t WHERE t.id = ANY (@ids::uuid[]);

-- name: Interactions :many
-- Interactions is the history the collaborative filter learns from: the
-- invites, proposals and hires recorded on providers' slates.
SELECT s.task_id::uuid AS task_id, t.client_id, e.item_id AS provider_id, e.kind, t.skill_tags
FROM matching_slate_events e
JOIN matching_slates s ON s.id = e.slate_id
JOIN tasks t ON t.id = s.task_id
WHERE s.direction = 'providers' AND e.kind IN ('invite', 'proposal', 'hire');

-- name: InsertCorrection :one
INSERT INTO matching_corrections (actor_id, kind, provider_id, task_id, skill, skills, note)
VALUES (@actor_id, @kind, @provider_id, sqlc.narg('task_id'), @skill, @skills, @note)
RETURNING id, create_time;

-- name: CorrectionsAfter :many
-- CorrectionsAfter reads the corrections after an id, in order.
SELECT c.id, c.kind, c.provider_id, c.task_id, c.skill, c.skills
FROM matching_corrections c
WHERE c.id > @after
ORDER BY c.id;

-- name: ListCorrections :many
SELECT c.id, c.actor_id, c.kind, c.provider_id, u.display_name AS provider_name, c.task_id,
       c.skill, c.skills, c.note, c.create_time
FROM matching_corrections c
JOIN users u ON u.id = c.provider_id
ORDER BY c.id DESC
LIMIT @page_size;

-- name: IsProvider :one
SELECT EXISTS (SELECT 1 FROM users WHERE id = @id AND 'provider' = ANY (roles));

-- name: InsertSlate :one
INSERT INTO matching_slates (direction, viewer_id, task_id, provider_id, items, explore)
VALUES (@direction, @viewer_id, sqlc.narg('task_id'), sqlc.narg('provider_id'), @items, @explore)
RETURNING id;

-- name: GetSlate :one
SELECT id, direction, viewer_id, items FROM matching_slates WHERE id = @id;

-- name: InsertSlateEvents :execrows
-- InsertSlateEvents records one kind of event for items of a slate; a
-- repeat is counted once.
INSERT INTO matching_slate_events (slate_id, item_id, kind)
SELECT @slate_id, unnest(@items::uuid[]), @kind
ON CONFLICT DO NOTHING;

-- name: SlateStats :many
-- SlateStats counts, per direction, the slates served since a time and
-- their events; clicks count only on impressed items (docs/matching.md).
WITH s AS (
    SELECT ms.id, ms.direction FROM matching_slates ms WHERE ms.create_time >= @since
), ev AS (
    SELECT s.direction, e.slate_id, e.item_id, e.kind
    FROM matching_slate_events e JOIN s ON s.id = e.slate_id
), imp AS (
    SELECT direction, slate_id, item_id FROM ev WHERE kind = 'impression'
), clk AS (
    SELECT i.direction, i.slate_id, i.item_id
    FROM imp i JOIN ev c ON c.slate_id = i.slate_id AND c.item_id = i.item_id AND c.kind = 'click'
)
SELECT d.direction::text AS direction,
       (SELECT count(*) FROM s WHERE s.direction = d.direction)::bigint AS slates,
       (SELECT count(DISTINCT slate_id) FROM imp WHERE imp.direction = d.direction)::bigint AS slates_impressed,
       (SELECT count(DISTINCT slate_id) FROM clk WHERE clk.direction = d.direction)::bigint AS slates_clicked,
       (SELECT count(*) FROM imp WHERE imp.direction = d.direction)::bigint AS impressions,
       (SELECT count(*) FROM clk WHERE clk.direction = d.direction)::bigint AS clicks,
       (SELECT count(*) FROM ev WHERE ev.direction = d.direction AND kind = 'invite')::bigint AS invites,
       (SELECT count(*) FROM ev WHERE ev.direction = d.direction AND kind = 'proposal')::bigint AS proposals,
       (SELECT count(*) FROM ev WHERE ev.direction = d.direction AND kind = 'hire')::bigint AS hires
FROM (VALUES ('providers'), ('tasks')) AS d (direction);

-- name: ClaimPush :execrows
-- ClaimPush records that a task's top matches are being notified; it
-- affects no row when another process did it first.
INSERT INTO matching_pushes (task_id, providers) VALUES (@task_id, @providers)
ON CONFLICT DO NOTHING;

-- name: Now :one
-- Now is the database's clock, the feed's first high-water mark when
-- there is nothing to read yet.
SELECT now()::timestamptz AS now;
