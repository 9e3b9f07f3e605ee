-- Login methods (ID-1) and privacy (SEC-4).

-- name: GetLoginIdentityUser :one
SELECT u.* FROM login_identities li
JOIN users u ON u.id = li.user_id
WHERE li.provider = @provider AND li.subject = @subject;

-- name: CreateLoginIdentity :exec
INSERT INTO login_identities (provider, subject, user_id, login, create_time)
VALUES (@provider, @subject, @user_id, @login, @create_time);

-- name: ListLoginIdentities :many
SELECT provider, subject, login, create_time FROM login_identities
WHERE user_id = @user_id ORDER BY create_time;

-- name: DeleteLoginIdentity :execrows
DELETE FROM login_identities WHERE user_id = @user_id AND provider = @provider;

-- name: DeleteLoginIdentities :exec
DELETE FROM login_identities WHERE user_id = @user_id;

-- name: LockUser :one
SELECT * FROM users WHERE id = @id FOR UPDATE;

-- name: CreateProviderUser :one
INSERT INTO users (email, password_hash, password_set, display_name, roles, consent_version, consent_time)
VALUES (sqlc.narg('email')::text, @password_hash, false, @display_name, @roles, @consent_version, @consent_time)
RETURNING *;

-- name: GetSessionStart :one
SELECT user_id, create_time FROM sessions WHERE token_hash = @token_hash;

-- name: AcceptConsent :exec
UPDATE users SET consent_version = @consent_version, consent_time = @consent_time WHERE id = @id;

-- name: ListConsents :many
SELECT version, accept_time FROM consents WHERE user_id = @user_id ORDER BY accept_time;

-- name: GetPrivacySettings :one
SELECT * FROM privacy_settings WHERE user_id = @user_id;

-- name: UpsertPrivacySettings :one
INSERT INTO privacy_settings (user_id, hide_reviews, hidden_portfolio_item_ids, hide_city, update_time)
VALUES (@user_id, @hide_reviews, @hidden_portfolio_item_ids, @hide_city, @update_time)
ON CONFLICT (user_id) DO UPDATE SET
    hide_reviews = EXCLUDED.hide_reviews,
    hidden_portfolio_item_ids = EXCLUDED.hidden_portfolio_item_ids,
    hide_city = EXCLUDED.hide_city,
    update_time = EXCLUDED.update_time
RETURNING *;

-- name: DeletePrivacySettings :exec
DELETE FROM privacy_settings WHERE user_id = @user_id;

-- name: EraseUser :exec
-- EraseUser de-identifies an account (SEC-4): contact details and name
-- go, the password becomes one nobody knows; the row stays for the records
-- that refer to it.
UPDATE users SET
    email = NULL,
    phone = NULL,
    display_name = 'Deleted user',
    password_hash = @password_hash,
    password_set = false,
    delete_time = @delete_time::timestamptz
WHERE id = @id;
