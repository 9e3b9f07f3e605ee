-- Step-up factors and sensitive fields (ID-4, SEC-1, SEC-2).

-- name: UpsertSensitiveField :exec
INSERT INTO user_sensitive_fields (user_id, kind, key_id, ciphertext, masked, update_time)
VALUES (@user_id, @kind, @key_id, @ciphertext, @masked, @update_time)
ON CONFLICT (user_id, kind) DO UPDATE
SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext,
    masked = EXCLUDED.masked, update_time = EXCLUDED.update_time;

-- name: GetSensitiveField :one
SELECT * FROM user_sensitive_fields WHERE user_id = @user_id AND kind = @kind;

-- name: ListSensitiveFields :many
SELECT kind, masked, update_time FROM user_sensitive_fields
WHERE user_id = @user_id ORDER BY kind;

-- name: UpsertTOTP :exec
INSERT INTO totp_factors (user_id, key_id, secret, last_step, create_time)
VALUES (@user_id, @key_id, @secret, @last_step, @create_time)
ON CONFLICT (user_id) DO UPDATE
SET key_id = EXCLUDED.key_id, secret = EXCLUDED.secret,
    last_step = EXCLUDED.last_step, create_time = EXCLUDED.create_time;

-- name: GetTOTP :one
SELECT * FROM totp_factors WHERE user_id = @user_id;

-- name: AdvanceTOTPStep :execrows
UPDATE totp_factors SET last_step = @step WHERE user_id = @user_id AND last_step < @step;

-- name: DeleteTOTP :execrows
DELETE FROM totp_factors WHERE user_id = @user_id;

-- name: CreatePasskey :one
INSERT INTO passkeys (user_id, credential_id, name, credential, create_time)
VALUES (@user_id, @credential_id, @name, @credential, @create_time)
RETURNING id;

-- name: ListPasskeys :many
SELECT * FROM passkeys WHERE user_id = @user_id ORDER BY create_time, id;

-- name: UpdatePasskeyCredential :exec
UPDATE passkeys SET credential = @credential, last_used_time = @last_used_time
WHERE user_id = @user_id AND credential_id = @credential_id;

-- name: DeletePasskey :execrows
DELETE FROM passkeys WHERE user_id = @user_id AND id = @id;

-- name: CountFactors :one
SELECT (SELECT count(*) FROM totp_factors t WHERE t.user_id = @user_id)::int AS totp,
       (SELECT count(*) FROM passkeys p WHERE p.user_id = @user_id)::int AS passkeys;

-- name: UpdatePhone :exec
UPDATE users SET phone = @phone::text WHERE id = @id;

-- name: DeleteOtherSessions :execrows
DELETE FROM sessions WHERE user_id = @user_id AND token_hash <> @token_hash;
