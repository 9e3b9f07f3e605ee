package tasks

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
)

// MatchTask is what a Matcher knows of a task just published.
type MatchTask struct {
	ID        uuid.UUID
	Ref       string
	ClientID  uuid.UUID
	TaskType  string
	SkillTags []string
	// What a ranking matcher (backend/matching) scores besides the tags.
	Title        string
	BudgetMinFen int64
	BudgetMaxFen int64
	Remote       bool
	City         string
}

// Matcher finds the providers to tell about a task just published (issue
// 4 item 1). The matching service (backend/matching) is the one talentd
// uses where it serves matching; SkillOverlap is the default.
type Matcher interface {
	MatchProviders(ctx context.Context, t MatchTask, limit int) ([]uuid.UUID, error)
}

// SkillOverlap matches the providers who proposed for other tasks sharing
// a skill tag with the task: the simple "matched" until provider profiles
// carry skills.
type SkillOverlap struct {
	DB *postgres.DB
}

// MatchProviders implements Matcher.
func (m SkillOverlap) MatchProviders(ctx context.Context, t MatchTask, limit int) ([]uuid.UUID, error) {
	ids, err := db.New(m.DB.Primary).ProvidersBySkillOverlap(ctx, db.ProvidersBySkillOverlapParams{
		SkillTags: t.SkillTags, TaskID: t.ID, ClientID: t.ClientID, MaxProviders: int32(limit),
	})
	if err != nil {
		return nil, fmt.Errorf("match providers by skill: %w", err)
	}
	return ids, nil
}

// notifyMatched tells the providers the matcher finds about t, in tx, so
// they are told exactly when the publication commits.
func (s *Service) notifyMatched(ctx context.Context, tx pgx.Tx, t db.Task) error {
	ids, err := s.matcher.MatchProviders(ctx, MatchTask{
		ID: t.ID, Ref: formatRef(t.RefNo), ClientID: t.ClientID, TaskType: t.TaskType, SkillTags: t.SkillTags,
		Title: t.Title, BudgetMinFen: t.BudgetMinFen, BudgetMaxFen: t.BudgetMaxFen, Remote: t.Remote, City: t.City,
	}, maxMatchNotified)
	if err != nil {
		return err
	}
	recipients := make([]uuid.UUID, 0, len(ids)+1)
	recipients = append(recipients, t.ClientID)
	for _, id := range ids {
		if id != t.ClientID {
			recipients = append(recipients, id)
		}
	}
	// The matches come in score order; two publications telling the same
	// providers would take their event cursors (backend/events) in
	// different orders and could deadlock. Take them all first, in user
	// id order, with the client's.
	if err := db.New(tx).LockPartyEventCursors(ctx, recipients); err != nil {
		return fmt.Errorf("lock event cursors: %w", err)
	}
	for _, id := range recipients[1:] {
		if err := notify(ctx, tx, t, id, "task.matched", nil); err != nil {
			return err
		}
	}
	return nil
}
