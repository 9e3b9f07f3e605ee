-- name: ProviderAccounts :many
-- ProviderAccounts reads the provider accounts named (all with none
-- named): their names, and deleted ones as unavailable.
SELECT u.id, u.display_name, u.create_time, u.delete_time
FROM users u
WHERE 'provider' = ANY (u.roles)
  AND (cardinality(@ids::uuid[]) = 0 OR u.id = ANY (@ids::uuid[]));

-- name: ChangedProviders :many
-- ChangedProviders lists the providers whose read model may have changed
-- after since, up to now: profile, skills, vetting or suspension
-- (provider_profiles update_time), account deleted, a review received or
-- written (writing one reveals the other side's), a review received that
-- the 14 days revealed meanwhile (backend/reviews), or a task of theirs
-- accepted or cancelled (their record; other steps of work change nothing
-- the engine reads).
SELECT p.user_id AS id FROM provider_profiles p WHERE p.update_time > @since
UNION
SELECT u.id FROM users u WHERE u.delete_time > @since AND 'provider' = ANY (u.roles)
UNION
SELECT r.reviewee_id FROM reviews r WHERE r.create_time > @since
UNION
SELECT r.reviewer_id FROM reviews r WHERE r.create_time > @since
UNION
SELECT r.reviewee_id FROM reviews r
WHERE r.create_time > sqlc.arg(since)::timestamptz - interval '14 days'
  AND r.create_time <= sqlc.arg(now)::timestamptz - interval '14 days'
UNION
SELECT t.provider_id::uuid FROM tasks t
WHERE t.update_time > @since AND t.provider_id IS NOT NULL AND t.status IN ('accepted', 'cancelled');

-- name: NextReveal :one
-- NextReveal is when the next review already written is revealed by the
-- 14 days (backend/reviews), unless its other side reviews first, and the
-- database's clock: the matching process resyncs its reviewee then
-- (pgx.ErrNoRows: none).
SELECT (r.create_time + interval '14 days')::timestamptz AS reveal_time, now()::timestamptz AS now
FROM reviews r
WHERE r.create_time > now() - interval '14 days'
ORDER BY r.create_time
LIMIT 1;

-- name: ProviderTaskStats :many
-- ProviderTaskStats is the record of the providers named (all with none
-- named) from their awarded tasks: completed (the client accepted the
-- work), abandoned (cancelled after a dispute) and on time (completed,
-- first delivered by the delivery date, China Standard Time).
SELECT t.provider_id::uuid AS provider_id,
       count(*) FILTER (WHERE ev.accepted)::int AS completed,
       count(*) FILTER (WHERE t.status = 'cancelled' AND ev.disputed)::int AS abandoned,
       count(*) FILTER (WHERE ev.accepted
                        AND (ev.delivered AT TIME ZONE 'Asia/Shanghai')::date <= t.delivery_date)::int AS on_time
FROM tasks t
CROSS JOIN LATERAL (
    SELECT coalesce(bool_or(e.to_status = 'accepted'), false) AS accepted,
           coalesce(bool_or(e.to_status = 'disputed'), false) AS disputed,
           min(e.create_time) FILTER (WHERE e.to_status = 'delivered') AS delivered
    FROM task_events e WHERE e.task_id = t.id
) ev
WHERE t.provider_id IS NOT NULL
  AND (cardinality(@ids::uuid[]) = 0 OR t.provider_id = ANY (@ids::uuid[]))
GROUP BY t.provider_id;

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
SELECT id, direction, viewer_id, task_id, items FROM matching_slates WHERE id = @id;

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

-- name: Now :one
-- Now is the database's clock, the feed's first high-water mark when
-- there is nothing to read yet.
SELECT now()::timestamptz AS now;

-- name: MoveInvite :execrows
-- MoveInvite takes an invite of a task's provider off the task's other
-- slates: the slate the client invited from (RecordSlateEvent) wins over
-- the one AttributeInvites guessed.
DELETE FROM matching_slate_events e
USING matching_slates s
WHERE e.slate_id = s.id AND s.direction = 'providers' AND s.task_id = @task_id
  AND e.item_id = @item_id AND e.kind = 'invite' AND s.id <> @slate_id;

-- name: AttributeInvites :many
-- AttributeInvites logs the invitations sent after a time to the latest
-- slate of providers for the task that showed the provider before the
-- invitation, within the attribution window (docs/matching.md), unless one
-- of the task's slates has the invite already. It returns how many it
-- logged per direction.
WITH ins AS (
    INSERT INTO matching_slate_events (slate_id, item_id, kind, create_time)
    SELECT s.id, i.provider_id, 'invite', i.create_time
    FROM task_invitations i
    CROSS JOIN LATERAL (
        SELECT ms.id FROM matching_slates ms
        WHERE ms.direction = 'providers' AND ms.task_id = i.task_id AND i.provider_id = ANY (ms.items)
          AND ms.create_time <= i.create_time AND ms.create_time > i.create_time - sqlc.arg(window_days)::int * interval '1 day'
        ORDER BY ms.create_time DESC LIMIT 1
    ) s
    WHERE i.create_time > @since
      AND NOT EXISTS (
        SELECT 1 FROM matching_slates s2 JOIN matching_slate_events e2 ON e2.slate_id = s2.id
        WHERE s2.direction = 'providers' AND s2.task_id = i.task_id AND e2.item_id = i.provider_id AND e2.kind = 'invite')
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT 'providers'::text AS direction, count(*)::bigint AS n FROM ins;

-- name: AttributeProposals :many
-- AttributeProposals logs the proposals sent after a time: to the latest
-- feed of the provider that showed the task before the proposal, and to
-- the task's slate of providers that invited the provider (the invite
-- then led to a proposal).
WITH cand AS (
    SELECT s.id AS slate_id, p.task_id AS item_id, p.create_time
    FROM proposals p
    CROSS JOIN LATERAL (
        SELECT ms.id FROM matching_slates ms
        WHERE ms.direction = 'tasks' AND ms.provider_id = p.provider_id AND p.task_id = ANY (ms.items)
          AND ms.create_time <= p.create_time AND ms.create_time > p.create_time - sqlc.arg(window_days)::int * interval '1 day'
        ORDER BY ms.create_time DESC LIMIT 1
    ) s
    WHERE p.create_time > @since AND p.status <> 'withdrawn'
    UNION ALL
    SELECT e.slate_id, p.provider_id, p.create_time
    FROM proposals p
    JOIN matching_slates ms ON ms.direction = 'providers' AND ms.task_id = p.task_id
    JOIN matching_slate_events e ON e.slate_id = ms.id AND e.item_id = p.provider_id AND e.kind = 'invite'
    WHERE p.create_time > @since AND p.status <> 'withdrawn' AND e.create_time <= p.create_time
), ins AS (
    INSERT INTO matching_slate_events (slate_id, item_id, kind, create_time)
    SELECT slate_id, item_id, 'proposal', create_time FROM cand
    ON CONFLICT DO NOTHING
    RETURNING slate_id
)
SELECT s.direction::text AS direction, count(*)::bigint AS n
FROM ins JOIN matching_slates s ON s.id = ins.slate_id
GROUP BY s.direction;

-- name: AttributeHires :many
-- AttributeHires logs the awards after a time: to the latest slate of
-- providers for the task that showed the hired provider before the award,
-- and to the provider's feed that the winning proposal was logged to.
WITH cand AS (
    SELECT s.id AS slate_id, g.provider_id AS item_id, g.create_time
    FROM engagements g
    CROSS JOIN LATERAL (
        SELECT ms.id FROM matching_slates ms
        WHERE ms.direction = 'providers' AND ms.task_id = g.task_id AND g.provider_id = ANY (ms.items)
          AND ms.create_time <= g.create_time AND ms.create_time > g.create_time - sqlc.arg(window_days)::int * interval '1 day'
        ORDER BY ms.create_time DESC LIMIT 1
    ) s
    WHERE g.create_time > @since
    UNION ALL
    SELECT e.slate_id, g.task_id, g.create_time
    FROM engagements g
    JOIN matching_slates ms ON ms.direction = 'tasks' AND ms.provider_id = g.provider_id
    JOIN matching_slate_events e ON e.slate_id = ms.id AND e.item_id = g.task_id AND e.kind = 'proposal'
    WHERE g.create_time > @since
), ins AS (
    INSERT INTO matching_slate_events (slate_id, item_id, kind, create_time)
    SELECT slate_id, item_id, 'hire', create_time FROM cand
    ON CONFLICT DO NOTHING
    RETURNING slate_id
)
SELECT s.direction::text AS direction, count(*)::bigint AS n
FROM ins JOIN matching_slates s ON s.id = ins.slate_id
GROUP BY s.direction;
