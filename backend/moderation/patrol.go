package moderation

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/moderation/internal/db"
)

// Kinds of items the patrol queue holds: what a text belongs to. Each
// kind's service registers a Target that takes its items down.
const (
	// KindTask: a task's title and description; ID is its reference.
	KindTask = "task"
	// KindProposal: a proposal's cover note; ID is the proposal's id.
	KindProposal = "proposal"
	// KindReview: a review's text; ID is the review's id.
	KindReview = "review"
	// KindReviewReply: the reviewee's reply; ID is the review's id.
	KindReviewReply = "review_reply"
	// KindProfile: a provider's bio ("bio:<user id>") or a portfolio
	// item's title and description ("portfolio:<item id>").
	KindProfile = "profile"
	// KindDelivery: a delivery's note; ID is the delivery's id.
	KindDelivery = "delivery"
	// KindTaskNote: a note on a task's timeline (a reason for changes or
	// a dispute, a sub-status, a closing note); ID is the event's id.
	KindTaskNote = "task_note"
	// KindBoard: a board text, "column:<id>", "card:<id>" or
	// "checklist:<id>".
	KindBoard = "board"
	// KindMessage: a chat message.
	KindMessage = "message"
	// KindName: a user's display name; ID is the user's id. Taking it
	// down replaces the name with a neutral one ("user-1a2b3c4d").
	KindName = "name"
)

// Item names what a checked text belongs to, for the patrol queue.
type Item struct {
	// Kind is one of the Kind constants.
	Kind string
	// ID names the item for its service: a task's reference ("T-000123"),
	// a proposal's id. It is what Target.TakeDown receives.
	ID string
	// Link is the app path of the item ("/tasks/T-000123").
	Link string
	// AuthorID is who wrote the text.
	AuthorID uuid.UUID
}

// Queue puts the fields of v that hold review keywords into the patrol
// queue, inside tx: call it in the transaction that writes the item, after
// Check found v.NeedsReview(). It does nothing when v needs no review.
func Queue(ctx context.Context, tx pgx.Tx, item Item, v Verdict) error {
	if !v.NeedsReview() {
		return nil
	}
	var author *uuid.UUID
	if item.AuthorID != uuid.Nil {
		author = &item.AuthorID
	}
	q := db.New(tx)
	for _, f := range v.Fields {
		if len(f.Review) == 0 {
			continue
		}
		ex, err := json.Marshal(f.Excerpt)
		if err != nil {
			return fmt.Errorf("queue for patrol: %w", err)
		}
		if _, err := q.InsertPatrolItem(ctx, db.InsertPatrolItemParams{
			Kind: item.Kind, ItemID: item.ID, Link: item.Link, Field: f.Field,
			Excerpt: ex, Words: f.Review, AuthorID: author,
		}); err != nil {
			return fmt.Errorf("queue for patrol: %w", err)
		}
	}
	return nil
}

// Target is a service whose items an admin can take down from the patrol
// queue (the task service for KindTask).
type Target interface {
	// TakeDown hides the item named id inside tx, recording adminID and
	// reason with it. The moderation service tells the author and audits
	// the decision in the same transaction.
	TakeDown(ctx context.Context, tx pgx.Tx, id string, adminID uuid.UUID, reason string) error
}

// TargetFunc is a function that is a Target, for services whose several
// kinds each take down through one of their methods.
type TargetFunc func(ctx context.Context, tx pgx.Tx, id string, adminID uuid.UUID, reason string) error

// TakeDown calls f.
func (f TargetFunc) TakeDown(ctx context.Context, tx pgx.Tx, id string, adminID uuid.UUID, reason string) error {
	return f(ctx, tx, id, adminID, reason)
}
