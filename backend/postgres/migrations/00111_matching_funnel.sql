-- +goose Up
-- Funnel attribution (MATCH-2): invites, proposals and hires are logged
-- to the slate that recommended them, found by task (slates of providers
-- for a task) or by provider (a provider's feed of tasks), latest first.
CREATE INDEX matching_slates_task_idx ON matching_slates (task_id, create_time DESC)
    WHERE direction = 'providers';
CREATE INDEX matching_slates_provider_idx ON matching_slates (provider_id, create_time DESC)
    WHERE direction = 'tasks';
