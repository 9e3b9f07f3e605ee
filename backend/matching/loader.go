package matching

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/matching/internal/db"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/reviews"
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

// RevealScheduler is implemented by Loaders whose provider scores change
// with time alone: reviews are revealed 14 days after they were written
// when the other side has not reviewed (backend/reviews). The Service
// wakes for a sync at each such moment, so the score reaches the index
// then rather than at the next full reload.
type RevealScheduler interface {
	// NextReveal is how long from now until the next such change; false
	// if none is pending.
	NextReveal(ctx context.Context) (time.Duration, bool, error)
}

// Interface guards.
var (
	_ Loader          = (*PostgresLoader)(nil)
	_ RevealScheduler = (*PostgresLoader)(nil)
)

// PostgresLoader reads the platform's own tables: provider accounts
// (users with the provider role; deleted ones as unavailable), their
// profiles (backend/providers: skills with levels, rates, city, time zone,
// availability, vetting and suspension), their scores (backend/reviews)
// and records from their awarded tasks (completed, abandoned, on time);
// tasks with their skill tags; and the invites, proposals and hires logged
// on slates. Every source is one batched query, on the primary so that a
// change just announced (the change feed, changefeed.go) is read.
type PostgresLoader struct {
	DB *postgres.DB

	tzMu sync.Mutex
	tz   map[string]int // UTC offsets by IANA name
}

// cstOffsetMin is China Standard Time, the zone of the platform's tasks
// and of providers whose profile names none.
const cstOffsetMin = 8 * 60

// hoursPerDay turns a daily rate into an hourly one when a profile gives
// only the former.
const hoursPerDay = 8

// ProvidersSince implements Loader: every provider for the zero time, else
// those ChangedProviders names.
func (l *PostgresLoader) ProvidersSince(ctx context.Context, since time.Time) ([]Provider, time.Time, error) {
	q := db.New(l.DB.Primary)
	now, err := q.Now(ctx)
	if err != nil {
		return nil, since, fmt.Errorf("read the database clock: %w", err)
	}
	ids := []uuid.UUID{} // none named: all
	if !since.IsZero() {
		ids, err = q.ChangedProviders(ctx, db.ChangedProvidersParams{Since: since, Now: now})
		if err != nil {
			return nil, since, fmt.Errorf("list changed providers: %w", err)
		}
		if len(ids) == 0 {
			return nil, now, nil
		}
	}
	ps, err := l.Providers(ctx, now, ids)
	if err != nil {
		return nil, since, err
	}
	return ps, now, nil
}

// Providers reads the read model of the providers named (all with none
// named), one query per source.
func (l *PostgresLoader) Providers(ctx context.Context, now time.Time, ids []uuid.UUID) ([]Provider, error) {
	q := db.New(l.DB.Primary)
	accounts, err := q.ProviderAccounts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load provider accounts: %w", err)
	}
	fresh := &postgres.DB{Primary: l.DB.Primary, Replica: l.DB.Primary}
	profiles, err := providers.LoadProviders(ctx, fresh, ids...)
	if err != nil {
		return nil, err
	}
	byUser := make(map[uuid.UUID]*providers.Provider, len(profiles))
	for i := range profiles {
		byUser[profiles[i].UserID] = &profiles[i]
	}
	ratings, err := reviews.RatingSummaries(ctx, l.DB, now, ids...)
	if err != nil {
		return nil, err
	}
	stats, err := q.ProviderTaskStats(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load provider records: %w", err)
	}
	record := make(map[uuid.UUID]db.ProviderTaskStatsRow, len(stats))
	for _, r := range stats {
		record[r.ProviderID] = r
	}
	out := make([]Provider, 0, len(accounts))
	for _, a := range accounts {
		p := Provider{ID: a.ID, Name: a.DisplayName, UTCOffsetMin: cstOffsetMin, Joined: a.CreateTime}
		// A provider without a profile has not been vetted: indexed (their
		// feed works) but never recommended (MATCH-1).
		if pr := byUser[a.ID]; pr != nil {
			for _, sk := range pr.Skills {
				p.Skills = append(p.Skills, Skill{Tag: sk.Tag, Level: sk.Level})
			}
			p.RateFen = pr.HourlyRateFen
			if p.RateFen == 0 && pr.DailyRateFen > 0 {
				p.RateFen = pr.DailyRateFen / hoursPerDay
			}
			p.City = pr.City
			p.UTCOffsetMin = l.offset(pr.TimeZone, now)
			p.Available = pr.Availability != "unavailable"
			p.Vetted = pr.VettingStatus == "approved"
			p.Flagged = pr.Suspended
		}
		// A deleted account (its row stays) is never recommended again.
		if a.DeleteTime.Valid {
			p.Available = false
		}
		if r, ok := ratings[a.ID]; ok {
			p.RatingSum, p.RatingCount = r.Average*float64(r.Count), r.Count
		}
		if r, ok := record[a.ID]; ok {
			p.Completed, p.Abandoned, p.OnTime = int(r.Completed), int(r.Abandoned), int(r.OnTime)
		}
		out = append(out, p)
	}
	return out, nil
}

// offset is the UTC offset of an IANA time zone now, in minutes (China
// Standard Time when the name is unknown).
func (l *PostgresLoader) offset(name string, now time.Time) int {
	if name == "" {
		return cstOffsetMin
	}
	l.tzMu.Lock()
	defer l.tzMu.Unlock()
	if off, ok := l.tz[name]; ok {
		return off
	}
	off := cstOffsetMin
	if loc, err := time.LoadLocation(name); err == nil {
		_, sec := now.In(loc).Zone()
		off = sec / 60
	}
	if l.tz == nil {
		l.tz = map[string]int{}
	}
	l.tz[name] = off
	return off
}

// NextReveal implements RevealScheduler, on the database's clock so that
// a skewed local clock neither misses nor anticipates the reveal.
func (l *PostgresLoader) NextReveal(ctx context.Context) (time.Duration, bool, error) {
	r, err := db.New(l.DB.Primary).NextReveal(ctx)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("next review reveal: %w", err)
	}
	return r.RevealTime.Sub(r.Now), true, nil
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
