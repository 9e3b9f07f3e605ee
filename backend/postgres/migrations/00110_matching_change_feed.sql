-- +goose Up
-- The matching engine's change feed (MATCH-1 item 7: a profile, vetting,
-- rating or flag change is reflected within 1 s, in every talentd
-- process). Each table the engine reads announces a change on the
-- channel matching_changes, payload its table name; the listeners then
-- read what changed since their high-water mark (indexes below), with
-- polling only as a fallback while the LISTEN connection is down.

-- +goose StatementBegin
CREATE FUNCTION matching_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- NOTIFY folds identical payloads of one transaction into one.
    PERFORM pg_notify('matching_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER provider_profiles_matching_notify AFTER INSERT OR UPDATE OR DELETE ON provider_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
CREATE TRIGGER provider_skills_matching_notify AFTER INSERT OR UPDATE OR DELETE ON provider_skills
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
CREATE TRIGGER reviews_matching_notify AFTER INSERT OR UPDATE OR DELETE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
CREATE TRIGGER tasks_matching_notify AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
CREATE TRIGGER task_invitations_matching_notify AFTER INSERT ON task_invitations
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
CREATE TRIGGER proposals_matching_notify AFTER INSERT OR UPDATE ON proposals
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
CREATE TRIGGER engagements_matching_notify AFTER INSERT ON engagements
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
CREATE TRIGGER matching_corrections_matching_notify AFTER INSERT ON matching_corrections
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
-- A deleted account or a new name; row-level so that sign-ins and other
-- updates of users stay silent.
CREATE TRIGGER users_matching_notify AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.delete_time IS DISTINCT FROM NEW.delete_time
                       OR OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION matching_notify();

-- What changed since a mark, for the feed.
CREATE INDEX provider_profiles_update_time_idx ON provider_profiles (update_time);
CREATE INDEX reviews_create_time_idx ON reviews (create_time);
CREATE INDEX tasks_update_time_idx ON tasks (update_time);
CREATE INDEX users_delete_time_idx ON users (delete_time) WHERE delete_time IS NOT NULL;
CREATE INDEX task_invitations_create_time_idx ON task_invitations (create_time);
CREATE INDEX proposals_create_time_idx ON proposals (create_time);
CREATE INDEX engagements_create_time_idx ON engagements (create_time);
