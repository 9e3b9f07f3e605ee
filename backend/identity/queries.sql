-- name: CreateUser :one
INSERT INTO users (email, password_hash, display_name, roles, consent_version, consent_time)
VALUES (@email::text, @password_hash, @display_name, @roles, @consent_version, @consent_time)
RETURNING *;

-- name: GetUser :one
SELECT * FROM users WHERE id = @id;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE lower(email) = lower(@email);

-- name: UpdatePasswordHash :exec
UPDATE users SET password_hash = @password_hash WHERE id = @id;

-- name: CreateSession :exec
INSERT INTO sessions (token_hash, user_id, create_time, expire_time, last_seen, user_agent, ip)
VALUES (@token_hash, @user_id, @create_time, @expire_time, @create_time, @user_agent, @ip);

-- name: DeleteExpiredSessions :exec
DELETE FROM sessions WHERE user_id = @user_id AND expire_time <= @now;

-- name: GetSession :one
SELECT s.user_id, s.last_seen, u.roles
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_hash = @token_hash AND s.expire_time > @now;

-- name: TouchSession :exec
UPDATE sessions SET last_seen = @now WHERE token_hash = @token_hash;

-- name: DeleteSession :exec
DELETE FROM sessions WHERE token_hash = @token_hash;

-- name: CreatePhoneUser :one
INSERT INTO users (phone, password_hash, display_name, roles, consent_version, consent_time)
VALUES (@phone::text, @password_hash, @display_name, @roles, @consent_version, @consent_time)
RETURNING *;

-- name: GetUserByPhone :one
SELECT * FROM users WHERE phone = @phone::text;

-- name: ListSessions :many
SELECT id, token_hash, create_time, last_seen, expire_time, user_agent, ip
FROM sessions
WHERE user_id = @user_id AND expire_time > @now
ORDER BY last_seen DESC, create_time DESC;

-- name: DeleteUserSession :one
DELETE FROM sessions WHERE user_id = @user_id AND id = @id RETURNING token_hash;

-- name: DeleteUserSessions :execrows
DELETE FROM sessions WHERE user_id = @user_id;
