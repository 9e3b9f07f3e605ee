package matching

import (
	"context"
	"fmt"
	"time"

	"github.com/talent-hub/talent/backend/matching/internal/db"
	"github.com/talent-hub/talent/backend/postgres"
)

// Loader feeds the engine its read models. It is the seam where the
// provider profile and marketplace services plug in: a Loader over their
// tables supplies what ranking needs (docs/matching.md lists the columns).
// Methods that take since return what changed after it (everything for
// the zero time) and the high-water mark to pass next time; a row may be
// returned twice, since upserts are idempotent.
type Loader interface {
	ProvidersSince(ctx context.Context, since time.Time) ([]Provider, time.Time, error)
	TasksSince(ctx context.Context, since time.Time) ([]Task, time.Time, error)
	// Interactions is the whole history the collaborative filter learns
	// from: invites, proposals and hires.
	Interactions(ctx context.Context) ([]Interaction, error)
}

// Interface guard.
var _ Loader = (*PostgresLoader)(nil)

// PostgresLoader reads what main's schema has today: provider accounts
// (users with the provider role; deleted ones as unavailable) with no skills, ratings or vetting of
// their own yet, so every provider account counts as vetted and
// available and its skills are the administrators' corrections; tasks
// with their skill tags; and the invites, proposals and hires recorded on
// slates. The provider and market services replace it with a Loader over
// their profiles, reviews, proposals and awards.
type PostgresLoader struct {
	DB *postgres.DB
}

// cstOffsetMin is China Standard Time, the zone of the platform's tasks
// and, until profiles say otherwise, its providers.
const cstOffsetMin = 8 * 60

// ProvidersSince implements Loader.
func (l *PostgresLoader) ProvidersSince(ctx context.Context, since time.Time) ([]Provider, time.Time, error) {
	rows, err := db.New(l.DB.Primary).ProvidersCreatedSince(ctx, since)
	if err != nil {
		return nil, since, fmt.Errorf("load providers: %w", err)
	}
	out := make([]Provider, 0, len(rows))
	mark := since
	for _, r := range rows {
		// A deleted account (its row stays) is never recommended again.
		out = append(out, Provider{
			ID: r.ID, Name: r.DisplayName, UTCOffsetMin: cstOffsetMin,
			Available: !r.DeleteTime.Valid, Vetted: true, Joined: r.CreateTime,
		})
		if r.CreateTime.After(mark) {
			mark = r.CreateTime
		}
		if r.DeleteTime.Valid && r.DeleteTime.Time.After(mark) {
			mark = r.DeleteTime.Time
		}
	}
	return out, mark, nil
}

// TasksSince implements Loader.
func (l *PostgresLoader) TasksSince(ctx context.Context, since time.Time) ([]Task, time.Time, error) {
	q := db.New(l.DB.Primary)
	var rows []db.GetTaskRow
	if since.IsZero() {
		open, err := q.OpenTasks(ctx)
		if err != nil {
			return nil, since, fmt.Errorf("load open tasks: %w", err)
		}
		for _, r := range open {
			rows = append(rows, db.GetTaskRow(r))
		}
	} else {
		changed, err := q.TasksChangedSince(ctx, since)
		if err != nil {
			return nil, since, fmt.Errorf("load changed tasks: %w", err)
		}
		for _, r := range changed {
			rows = append(rows, db.GetTaskRow(r))
		}
	}
	out := make([]Task, 0, len(rows))
	mark := since
	if since.IsZero() {
		now, err := q.Now(ctx)
		if err != nil {
			return nil, since, fmt.Errorf("read the database clock: %w", err)
		}
		mark = now.Add(-feedOverlap)
	}
	for _, r := range rows {
		out = append(out, taskFromRow(r))
		if r.UpdateTime.After(mark) {
			mark = r.UpdateTime
		}
	}
	return out, mark, nil
}

// taskFromRow is the engine's view of a task row.
func taskFromRow(r db.GetTaskRow) Task {
	return Task{
		ID: r.ID, ClientID: r.ClientID, Title: r.Title, Ref: fmt.Sprintf("T-%06d", r.RefNo), Skills: r.SkillTags,
		BudgetMinFen: r.BudgetMinFen, BudgetMaxFen: r.BudgetMaxFen,
		Remote: r.Remote, City: r.City, UTCOffsetMin: cstOffsetMin,
		Open: r.Status == "open", CreateTime: r.CreateTime,
	}
}

// Interactions implements Loader.
func (l *PostgresLoader) Interactions(ctx context.Context) ([]Interaction, error) {
	rows, err := db.New(l.DB.Primary).Interactions(ctx)
	if err != nil {
		return nil, fmt.Errorf("load interactions: %w", err)
	}
	out := make([]Interaction, 0, len(rows))
	for _, r := range rows {
		kind := Invited
		switch r.Kind {
		case "proposal":
			kind = Proposed
		case "hire":
			kind = Hired
		}
		out = append(out, Interaction{ClientID: r.ClientID, TaskID: r.TaskID, ProviderID: r.ProviderID, Kind: kind, Tags: r.SkillTags})
	}
	return out, nil
}
