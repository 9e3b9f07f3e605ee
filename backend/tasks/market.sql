-- Queries of the market flow: proposals, invitations, engagements,
-- deliveries and attachments (issue 4).

-- name: CreateProposal :one
-- CreateProposal inserts a provider's proposal, or revives their withdrawn
-- one; it returns no row when the provider has a live proposal already.
INSERT INTO proposals (task_id, provider_id, price_fen, timeline_days, cover_note)
VALUES (@task_id, @provider_id, @price_fen, @timeline_days, @cover_note)
ON CONFLICT (task_id, provider_id) DO UPDATE
SET price_fen = EXCLUDED.price_fen, timeline_days = EXCLUDED.timeline_days,
    cover_note = EXCLUDED.cover_note, status = 'pending', shortlisted = false,
    update_time = now()
WHERE proposals.status = 'withdrawn'
RETURNING id;

-- name: GetProposal :one
SELECT p.*, t.ref_no AS task_ref_no, t.title AS task_title, t.client_id AS task_client_id,
       u.display_name AS provider_display_name
FROM proposals p
JOIN tasks t ON t.id = p.task_id
JOIN users u ON u.id = p.provider_id
WHERE p.id = @id;

-- name: LockProposal :one
SELECT * FROM proposals WHERE id = @id FOR UPDATE;

-- name: UpdateProposal :exec
UPDATE proposals
SET price_fen = @price_fen, timeline_days = @timeline_days, cover_note = @cover_note,
    update_time = now()
WHERE id = @id;

-- name: SetProposalStatus :exec
UPDATE proposals SET status = @status, update_time = now() WHERE id = @id;

-- name: SetProposalShortlisted :exec
UPDATE proposals SET shortlisted = @shortlisted WHERE id = @id;

-- name: DeclineOtherProposals :many
-- DeclineOtherProposals marks every other pending proposal of a task
-- declined and returns their providers.
UPDATE proposals
SET status = 'declined', update_time = now()
WHERE task_id = @task_id AND id <> @awarded_id AND status = 'pending'
RETURNING provider_id;

-- name: ListTaskProposals :many
SELECT p.*, t.ref_no AS task_ref_no, t.title AS task_title, t.client_id AS task_client_id,
       u.display_name AS provider_display_name
FROM proposals p
JOIN tasks t ON t.id = p.task_id
JOIN users u ON u.id = p.provider_id
WHERE p.task_id = @task_id
  AND (@provider_id::uuid = '00000000-0000-0000-0000-000000000000'::uuid OR p.provider_id = @provider_id::uuid)
ORDER BY p.shortlisted DESC, p.create_time;

-- name: ListProviderProposals :many
SELECT p.*, t.ref_no AS task_ref_no, t.title AS task_title, t.client_id AS task_client_id,
       u.display_name AS provider_display_name
FROM proposals p
JOIN tasks t ON t.id = p.task_id
JOIN users u ON u.id = p.provider_id
WHERE p.provider_id = @provider_id
ORDER BY p.update_time DESC
LIMIT 100;

-- name: InsertInvitation :execrows
INSERT INTO task_invitations (task_id, provider_id, invited_by)
VALUES (@task_id, @provider_id, @invited_by)
ON CONFLICT DO NOTHING;

-- name: ListTaskInvitations :many
SELECT provider_id FROM task_invitations WHERE task_id = @task_id ORDER BY create_time;

-- name: ListProviderInvitations :many
SELECT i.task_id, i.create_time, t.ref_no, t.title, u.display_name AS client_display_name
FROM task_invitations i
JOIN tasks t ON t.id = i.task_id
JOIN users u ON u.id = t.client_id
WHERE i.provider_id = @provider_id AND t.status = 'open'
ORDER BY i.create_time DESC
LIMIT 100;

-- name: GetUserRoles :one
SELECT roles FROM users WHERE id = @id;

-- name: SetTaskProvider :exec
UPDATE tasks SET provider_id = @provider_id, update_time = now() WHERE id = @id;

-- name: SetTaskSubStatus :exec
UPDATE tasks SET sub_status = @sub_status, update_time = now() WHERE id = @id;

-- name: InsertEngagement :exec
INSERT INTO engagements (task_id, proposal_id, client_id, provider_id, price_fen)
VALUES (@task_id, @proposal_id, @client_id, @provider_id, @price_fen);

-- name: ListProviderEngagements :many
SELECT sqlc.embed(t), u.display_name AS client_display_name
FROM tasks t
JOIN users u ON u.id = t.client_id
WHERE t.provider_id = @provider_id
ORDER BY t.update_time DESC
LIMIT 100;

-- name: InsertDelivery :one
INSERT INTO deliveries (task_id, provider_id, note, links)
VALUES (@task_id, @provider_id, @note, @links)
RETURNING *;

-- name: ListDeliveries :many
SELECT * FROM deliveries WHERE task_id = @task_id ORDER BY create_time, id;

-- name: AttachToDelivery :execrows
UPDATE task_attachments
SET delivery_id = @delivery_id
WHERE id = ANY(@ids::uuid[]) AND task_id = @task_id AND uploader_id = @uploader_id
  AND status = 'ready' AND delivery_id IS NULL;

-- name: InsertAttachment :one
INSERT INTO task_attachments (task_id, uploader_id, object_key, file_name, content_type, size_bytes)
VALUES (@task_id, @uploader_id, @object_key, @file_name, @content_type, @size_bytes)
RETURNING *;

-- name: LockAttachment :one
SELECT * FROM task_attachments WHERE id = @id FOR UPDATE;

-- name: SetAttachmentReady :exec
UPDATE task_attachments SET status = 'ready' WHERE id = @id;

-- name: DeleteAttachment :exec
DELETE FROM task_attachments WHERE id = @id;

-- name: ListAttachments :many
SELECT * FROM task_attachments
WHERE task_id = @task_id AND status = 'ready'
ORDER BY create_time, id;

-- name: ProvidersBySkillOverlap :many
-- ProvidersBySkillOverlap finds providers who proposed for other tasks
-- sharing a skill tag with skill_tags: the simple "matched" until
-- provider profiles and the matching service land.
SELECT DISTINCT p.provider_id
FROM proposals p
JOIN tasks t ON t.id = p.task_id
JOIN users u ON u.id = p.provider_id
WHERE t.skill_tags && @skill_tags::text[] AND t.id <> @task_id AND 'provider' = ANY(u.roles)
  AND p.provider_id <> @client_id
LIMIT @max_providers;

-- name: TakeDownProposal :one
-- TakeDownProposal hides a proposal from everyone but its provider and
-- admins (SEC-5).
UPDATE proposals SET takedown_reason = @reason WHERE id = @id RETURNING id;

-- name: TakeDownDelivery :one
-- TakeDownDelivery hides a delivery's note from everyone but its provider
-- and admins (SEC-5).
UPDATE deliveries SET takedown_reason = @reason WHERE id = @id RETURNING id;
