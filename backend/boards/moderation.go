package boards

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/boards/internal/db"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/tasks"
)

// check judges a board text against the keyword lists (SEC-5): a block
// keyword refuses it (CONTENT_BLOCKED on field); a review keyword is in the
// verdict, which the write queues for patrol in its transaction.
func (s *Service) check(ctx context.Context, field, text string) (moderation.Verdict, error) {
	v, err := s.mod.CheckText(ctx, field, text)
	if ve, ok := errors.AsType[*badrequest.Error](err); ok {
		return v, badrequest.ConnectError(ve)
	}
	return v, err
}

// writer is the signed-in caller, who writes a board text.
func writer(ctx context.Context) uuid.UUID {
	p, _ := auth.FromContext(ctx)
	id, _ := uuid.Parse(p.UserID)
	return id
}

// boardItem names a board text for the patrol queue: kind is "column",
// "card" or "checklist".
func boardItem(kind string, id uuid.UUID, p tasks.Parties, author uuid.UUID) moderation.Item {
	return moderation.Item{Kind: moderation.KindBoard, ID: kind + ":" + id.String(),
		Link: "/tasks/" + p.Ref + "/board", AuthorID: author}
}

// seesHidden reports whether the caller may see a board text taken down:
// who wrote it, or an admin.
func seesHidden(ctx context.Context, author *uuid.UUID) bool {
	p, ok := auth.FromContext(ctx)
	return ok && (p.HasRole(auth.RoleAdmin) || (author != nil && p.UserID == author.String()))
}

// Interface guard: the moderation service takes board texts down through
// this.
var _ moderation.Target = (*Service)(nil)

// TakeDown hides a board text (moderation.KindBoard; id is "column:<id>",
// "card:<id>" or "checklist:<id>") from everyone but who wrote it and
// admins, inside the moderation service's transaction tx (SEC-5): a
// column shows without its name, a card or checklist item not at all.
func (s *Service) TakeDown(ctx context.Context, tx pgx.Tx, item string, _ uuid.UUID, reason string) error {
	kind, idText, _ := strings.Cut(item, ":")
	id, err := uuid.Parse(idText)
	if err != nil {
		return ErrNotFound
	}
	q := db.New(tx)
	switch kind {
	case "column":
		_, err = q.TakeDownColumn(ctx, db.TakeDownColumnParams{ID: id, Reason: &reason})
	case "card":
		_, err = q.TakeDownCard(ctx, db.TakeDownCardParams{ID: id, Reason: &reason})
	case "checklist":
		var card uuid.UUID
		if card, err = q.TakeDownChecklistItem(ctx, db.TakeDownChecklistItemParams{ID: id, Reason: &reason}); err == nil {
			err = q.BumpCard(ctx, card)
		}
	default:
		return ErrNotFound
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("take down board %s: %w", kind, err)
	}
	return nil
}
