-- name: UpsertProfile :one
INSERT INTO provider_profiles (user_id, hourly_rate_fen, daily_rate_fen, city, time_zone, availability, bio)
VALUES (@user_id, @hourly_rate_fen, @daily_rate_fen, @city, @time_zone, @availability, @bio)
ON CONFLICT (user_id) DO UPDATE SET
    hourly_rate_fen = EXCLUDED.hourly_rate_fen,
    daily_rate_fen  = EXCLUDED.daily_rate_fen,
    city            = EXCLUDED.city,
    time_zone       = EXCLUDED.time_zone,
    availability    = EXCLUDED.availability,
    bio             = EXCLUDED.bio,
    update_time     = now()
RETURNING *;

-- name: AddProviderRole :execrows
UPDATE users SET roles = array_append(roles, 'provider')
WHERE id = @user_id AND NOT ('provider' = ANY (roles));

-- name: DeleteSkills :exec
DELETE FROM provider_skills WHERE user_id = @user_id;

-- name: InsertSkill :exec
INSERT INTO provider_skills (user_id, tag, level) VALUES (@user_id, @tag, @level);

-- name: DeletePortfolio :exec
DELETE FROM portfolio_items WHERE user_id = @user_id;

-- name: InsertPortfolioItem :exec
INSERT INTO portfolio_items (id, user_id, position, title, description, links, file_ids, hidden)
VALUES (@id, @user_id, @position, @title, @description, @links, @file_ids, @hidden);

-- name: GetProfile :one
SELECT sqlc.embed(p), u.display_name
FROM provider_profiles p JOIN users u ON u.id = p.user_id
WHERE p.user_id = @user_id;

-- name: ListSkills :many
SELECT tag, level FROM provider_skills WHERE user_id = @user_id ORDER BY level DESC, tag;

-- name: ListPortfolio :many
SELECT * FROM portfolio_items WHERE user_id = @user_id ORDER BY position;

-- name: CreateFile :one
INSERT INTO provider_files (user_id, kind, object_key, filename, content_type, size_bytes)
VALUES (@user_id, @kind, @object_key, @filename, @content_type, @size_bytes)
RETURNING *;

-- name: GetFile :one
SELECT * FROM provider_files WHERE id = @id;

-- name: MarkFileReady :one
UPDATE provider_files SET status = 'ready', size_bytes = @size_bytes
WHERE id = @id RETURNING *;

-- name: DeleteFile :exec
DELETE FROM provider_files WHERE id = @id;

-- name: ListFiles :many
SELECT * FROM provider_files WHERE id = ANY (@ids::uuid[]);

-- name: InsertSubmission :one
INSERT INTO vetting_submissions (id, user_id, id_number_sealed, id_number_key_id, id_number_masked,
                                 id_front_file, id_back_file, certificates)
VALUES (@id, @user_id, @id_number_sealed, @id_number_key_id, @id_number_masked,
        @id_front_file, @id_back_file, @certificates)
RETURNING *;

-- name: SetVettingStatus :exec
UPDATE provider_profiles SET vetting_status = @vetting_status, update_time = now()
WHERE user_id = @user_id;

-- name: LockProfile :one
SELECT vetting_status, suspended FROM provider_profiles WHERE user_id = @user_id FOR UPDATE;

-- name: ListMySubmissions :many
SELECT * FROM vetting_submissions WHERE user_id = @user_id ORDER BY submit_time DESC, id DESC;

-- name: ListQueue :many
SELECT sqlc.embed(s), u.display_name
FROM vetting_submissions s JOIN users u ON u.id = s.user_id
WHERE s.status = 'submitted'
  AND (s.submit_time, s.id) > (@after_time::timestamptz, @after_id::uuid)
ORDER BY s.submit_time, s.id
LIMIT @page_size;

-- name: GetSubmission :one
SELECT sqlc.embed(s), u.display_name
FROM vetting_submissions s JOIN users u ON u.id = s.user_id
WHERE s.id = @id;

-- name: DecideSubmission :one
UPDATE vetting_submissions
SET status = @status, decide_time = now(), decided_by = @decided_by, reason = @reason
WHERE id = @id AND status = 'submitted'
RETURNING *;

-- name: SetSuspended :one
UPDATE provider_profiles SET suspended = @suspended, update_time = now()
WHERE user_id = @user_id
RETURNING *;

-- name: MayTakeWork :one
SELECT EXISTS (
    SELECT 1 FROM provider_profiles
    WHERE user_id = @user_id AND vetting_status = 'approved' AND NOT suspended
) AS ok;

-- name: ListProviders :many
-- The matching engine's read model: every profile with its skills.
SELECT p.user_id, p.hourly_rate_fen, p.daily_rate_fen, p.city, p.time_zone, p.availability,
       p.vetting_status, p.suspended, p.update_time,
       COALESCE(array_agg(s.tag ORDER BY s.tag) FILTER (WHERE s.tag IS NOT NULL), '{}')::text[] AS tags,
       COALESCE(array_agg(s.level ORDER BY s.tag) FILTER (WHERE s.tag IS NOT NULL), '{}')::smallint[] AS levels
FROM provider_profiles p LEFT JOIN provider_skills s ON s.user_id = p.user_id
WHERE (cardinality(@user_ids::uuid[]) = 0 OR p.user_id = ANY (@user_ids::uuid[]))
GROUP BY p.user_id
ORDER BY p.user_id;
