-- Role management by admins (ID-3, SEC-3).

-- name: SearchUsers :many
-- SearchUsers pages through accounts newest first; an empty query or role
-- keeps every account. strpos, not LIKE: the query is matched literally.
SELECT sqlc.embed(u),
       coalesce((SELECT max(s.last_seen) FROM sessions s WHERE s.user_id = u.id), 'epoch')::timestamptz AS last_seen
FROM users u
WHERE (@query::text = ''
       OR strpos(lower(coalesce(u.email, '')), lower(@query::text)) > 0
       OR strpos(coalesce(u.phone, ''), @query::text) > 0
       OR strpos(lower(u.display_name), lower(@query::text)) > 0
       OR u.id::text = lower(@query::text))
  AND (@role::text = '' OR @role::text = ANY (u.roles))
  AND (u.create_time, u.id) < (@after_time::timestamptz, @after_id::uuid)
ORDER BY u.create_time DESC, u.id DESC
LIMIT @page_limit;

-- name: UserLastSeen :one
SELECT coalesce(max(last_seen), 'epoch')::timestamptz AS last_seen FROM sessions WHERE user_id = @user_id;

-- name: LockAdminRoles :exec
-- LockAdminRoles serialises the changes that may remove an admin
-- (revoking the role, deleting the account) until the transaction ends,
-- so that two of them cannot each leave the other as the last admin.
SELECT pg_advisory_xact_lock(hashtext('identity.admin_roles'));

-- name: CountActiveAdmins :one
SELECT count(*)::int FROM users WHERE 'admin' = ANY (roles) AND delete_time IS NULL;

-- name: SetRoles :one
UPDATE users SET roles = @roles WHERE id = @id RETURNING *;
