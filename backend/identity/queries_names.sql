-- name: TakeDownDisplayName :execrows
-- TakeDownDisplayName replaces a display name taken down in the patrol
-- queue (SEC-5) with a neutral one and keeps the reason.
UPDATE users SET
    display_name = @neutral_name,
    display_name_takedown_reason = @reason
WHERE id = @id AND delete_time IS NULL;
