-- +goose Up
-- The change feed (00110) announced every change of a task, so each step
-- of work (awarded → in progress, delivered, a sub-status) woke every
-- matching process for a resync that could change nothing it loads
-- (issue #5 follow-up, MATCH-2). Tasks now announce only the changes the
-- engine reads: a task published, edited while open or leaving open (the
-- index of open tasks), and a task reaching accepted or cancelled (its
-- provider's completed, abandoned and on-time record). Row-level, so the
-- old and new rows can be compared; NOTIFY still folds the identical
-- payloads of one transaction into one.
DROP TRIGGER tasks_matching_notify ON tasks;

CREATE TRIGGER tasks_matching_notify_insert AFTER INSERT ON tasks
    FOR EACH ROW WHEN (NEW.status <> 'draft')
    EXECUTE FUNCTION matching_notify();
CREATE TRIGGER tasks_matching_notify_update AFTER UPDATE ON tasks
    FOR EACH ROW WHEN (
        (OLD.status IS DISTINCT FROM NEW.status
         AND (OLD.status = 'open' OR NEW.status IN ('open', 'accepted', 'cancelled')))
        OR (NEW.status = 'open'
            AND (OLD.title, OLD.skill_tags, OLD.budget_min_fen, OLD.budget_max_fen, OLD.remote, OLD.city)
                IS DISTINCT FROM
                (NEW.title, NEW.skill_tags, NEW.budget_min_fen, NEW.budget_max_fen, NEW.remote, NEW.city)))
    EXECUTE FUNCTION matching_notify();
CREATE TRIGGER tasks_matching_notify_delete AFTER DELETE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION matching_notify();
