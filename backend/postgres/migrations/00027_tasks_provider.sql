-- +goose Up
-- The provider a task was awarded to: with the client, the two parties of
-- the engagement (boards, repositories, deliveries and reviews check it).
ALTER TABLE tasks ADD COLUMN provider_id uuid REFERENCES users (id);
CREATE INDEX tasks_provider_idx ON tasks (provider_id) WHERE provider_id IS NOT NULL;
