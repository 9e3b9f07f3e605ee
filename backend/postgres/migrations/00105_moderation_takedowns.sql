-- +goose Up
-- Patrol take-downs of every kind of text users write (SEC-5, issue 4
-- item 9): a taken-down text keeps its row, with the admin's reason, and
-- is shown only to its author and admins. Tasks have takedown_reason
-- since 00032.
ALTER TABLE proposals ADD COLUMN takedown_reason text;
ALTER TABLE deliveries ADD COLUMN takedown_reason text;
-- A timeline note (a reason for changes or a dispute, a sub-status, an
-- acceptance note): the event stays, its note is hidden.
ALTER TABLE task_events ADD COLUMN note_takedown_reason text;
ALTER TABLE reviews
    ADD COLUMN takedown_reason text,
    ADD COLUMN reply_takedown_reason text;
ALTER TABLE provider_profiles ADD COLUMN bio_takedown_reason text;
ALTER TABLE portfolio_items ADD COLUMN takedown_reason text;
-- Board texts record who wrote them last: the author still sees a text
-- taken down.
ALTER TABLE board_columns
    ADD COLUMN written_by uuid REFERENCES users (id),
    ADD COLUMN takedown_reason text;
ALTER TABLE board_cards
    ADD COLUMN written_by uuid REFERENCES users (id),
    ADD COLUMN takedown_reason text;
ALTER TABLE board_checklist_items
    ADD COLUMN written_by uuid REFERENCES users (id),
    ADD COLUMN takedown_reason text;

-- +goose Down
ALTER TABLE board_checklist_items DROP COLUMN takedown_reason, DROP COLUMN written_by;
ALTER TABLE board_cards DROP COLUMN takedown_reason, DROP COLUMN written_by;
ALTER TABLE board_columns DROP COLUMN takedown_reason, DROP COLUMN written_by;
ALTER TABLE portfolio_items DROP COLUMN takedown_reason;
ALTER TABLE provider_profiles DROP COLUMN bio_takedown_reason;
ALTER TABLE reviews DROP COLUMN reply_takedown_reason, DROP COLUMN takedown_reason;
ALTER TABLE task_events DROP COLUMN note_takedown_reason;
ALTER TABLE deliveries DROP COLUMN takedown_reason;
ALTER TABLE proposals DROP COLUMN takedown_reason;
