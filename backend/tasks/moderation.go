package tasks

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
)

// checkContent judges a task's title and description against the keyword
// lists (SEC-5): a block keyword refuses the write (CONTENT_BLOCKED on the
// field); a review keyword is returned in the verdict, which the write
// queues for the patrol queue in its transaction.
func (s *Service) checkContent(ctx context.Context, title, description string) (moderation.Verdict, error) {
	if s.mod == nil {
		return moderation.Verdict{}, nil
	}
	v, err := s.mod.Check(ctx,
		moderation.Field{Name: "title", Text: title},
		moderation.Field{Name: "description", Text: description})
	if err != nil {
		return v, fmt.Errorf("check task content: %w", err)
	}
	return v, v.Err()
}

// proposalItem names a proposal for the patrol queue.
func proposalItem(id uuid.UUID, refNo int64, providerID uuid.UUID) moderation.Item {
	return moderation.Item{Kind: moderation.KindProposal, ID: id.String(), Link: taskLink(refNo), AuthorID: providerID}
}

// taskItem names a task for the patrol queue.
func taskItem(refNo int64, clientID uuid.UUID) moderation.Item {
	ref := formatRef(refNo)
	return moderation.Item{Kind: moderation.KindTask, ID: ref, Link: "/tasks/" + ref, AuthorID: clientID}
}

// Interface guard: the moderation service takes tasks down through this.
var _ moderation.Target = (*Service)(nil)

// TakeDown takes a task down for moderation (SEC-5), inside the moderation
// service's transaction tx: a task that is not closed or cancelled yet is
// cancelled, whatever its status (an admin's decision, outside the
// client's life of a task), with the reason on its timeline; and it is
// hidden from everyone but its client and admins (takedown_reason). id is
// the task's reference or id.
func (s *Service) TakeDown(ctx context.Context, tx pgx.Tx, idOrRefText string, adminID uuid.UUID, reason string) error {
	id, refNo, err := idOrRef(idOrRefText)
	if err != nil {
		return err
	}
	q := db.New(tx)
	if refNo != 0 {
		row, err := q.GetTaskByRef(ctx, refNo)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get task by ref: %w", err)
		}
		id = row.Task.ID
	}
	t, err := q.LockTask(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("lock task: %w", err)
	}
	if t.Status != statusClosed && t.Status != statusCancelled {
		if err := q.SetTaskStatus(ctx, db.SetTaskStatusParams{ID: t.ID, Status: statusCancelled}); err != nil {
			return fmt.Errorf("set task status: %w", err)
		}
		if err := q.InsertTaskEvent(ctx, db.InsertTaskEventParams{
			TaskID: t.ID, ActorID: adminID, FromStatus: t.Status, ToStatus: statusCancelled,
			Note: truncate("Taken down by moderation: "+reason, maxNoteLen),
		}); err != nil {
			return fmt.Errorf("record task event: %w", err)
		}
	}
	if err := q.SetTaskTakedown(ctx, db.SetTaskTakedownParams{ID: t.ID, Reason: &reason}); err != nil {
		return fmt.Errorf("mark task taken down: %w", err)
	}
	return nil
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// queueNote puts the timeline note just written on t (by author, in tx)
// in the patrol queue when v found review keywords in it (SEC-5).
func queueNote(ctx context.Context, tx pgx.Tx, q *db.Queries, t db.Task, author uuid.UUID, v moderation.Verdict) error {
	if !v.NeedsReview() {
		return nil
	}
	id, err := q.LastTaskEventID(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("find the note's event: %w", err)
	}
	return moderation.Queue(ctx, tx, moderation.Item{
		Kind: moderation.KindTaskNote, ID: strconv.FormatInt(id, 10), Link: taskLink(t.RefNo), AuthorID: author,
	}, v)
}

// deliveryItem names a delivery for the patrol queue.
func deliveryItem(id uuid.UUID, refNo int64, providerID uuid.UUID) moderation.Item {
	return moderation.Item{Kind: moderation.KindDelivery, ID: id.String(), Link: taskLink(refNo), AuthorID: providerID}
}

// TakeDownProposal hides a proposal (moderation.KindProposal, id is its
// id) from everyone but its provider and admins, inside the moderation
// service's transaction (SEC-5): the client no longer sees it and cannot
// award it.
func (s *Service) TakeDownProposal(ctx context.Context, tx pgx.Tx, idText string, _ uuid.UUID, reason string) error {
	id, err := uuid.Parse(idText)
	if err != nil {
		return ErrProposalNotFound
	}
	if _, err := db.New(tx).TakeDownProposal(ctx, db.TakeDownProposalParams{ID: id, Reason: &reason}); errors.Is(err, pgx.ErrNoRows) {
		return ErrProposalNotFound
	} else if err != nil {
		return fmt.Errorf("take down proposal: %w", err)
	}
	return nil
}

// TakeDownDelivery hides a delivery's note (moderation.KindDelivery) from
// everyone but its provider and admins (SEC-5); its files and links stay.
func (s *Service) TakeDownDelivery(ctx context.Context, tx pgx.Tx, idText string, _ uuid.UUID, reason string) error {
	id, err := uuid.Parse(idText)
	if err != nil {
		return ErrNotFound
	}
	if _, err := db.New(tx).TakeDownDelivery(ctx, db.TakeDownDeliveryParams{ID: id, Reason: &reason}); errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("take down delivery: %w", err)
	}
	return nil
}

// TakeDownNote hides a timeline note (moderation.KindTaskNote, id is the
// event's id) from everyone but its author and admins (SEC-5); a
// sub-status that is the note is cleared from the task.
func (s *Service) TakeDownNote(ctx context.Context, tx pgx.Tx, idText string, _ uuid.UUID, reason string) error {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return ErrNotFound
	}
	q := db.New(tx)
	row, err := q.TakeDownTaskNote(ctx, db.TakeDownTaskNoteParams{ID: id, Reason: &reason})
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("take down note: %w", err)
	}
	if err := q.ClearSubStatusIf(ctx, db.ClearSubStatusIfParams{ID: row.TaskID, Note: row.Note}); err != nil {
		return fmt.Errorf("clear sub-status: %w", err)
	}
	return nil
}

// seesHidden reports whether the caller may see a text taken down for
// moderation: its author, or an admin.
func seesHidden(ctx context.Context, author uuid.UUID) bool {
	p, ok := auth.FromContext(ctx)
	return ok && (p.UserID == author.String() || p.HasRole(auth.RoleAdmin))
}
