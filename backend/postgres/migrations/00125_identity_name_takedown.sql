-- +goose Up
-- Display names are checked against the keyword lists like every other
-- text users write (SEC-5). A patrol take-down replaces the name with a
-- neutral one ("user-1a2b3c4d") and keeps the admin's reason here.
ALTER TABLE users ADD COLUMN display_name_takedown_reason text;

-- +goose Down
ALTER TABLE users DROP COLUMN display_name_takedown_reason;
