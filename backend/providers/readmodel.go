package providers

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers/internal/db"
)

// SkillLevel is one skill of a provider, with a level from 1 to 5.
type SkillLevel struct {
	Tag   string
	Level int
}

// Provider is the read model other services (the matching engine) use.
type Provider struct {
	UserID        uuid.UUID
	Skills        []SkillLevel
	HourlyRateFen int64
	DailyRateFen  int64
	City          string
	// TimeZone is an IANA name.
	TimeZone string
	// Availability is "full_time", "part_time", "weekends" or
	// "unavailable".
	Availability string
	// VettingStatus is "not_submitted", "submitted", "approved" or
	// "rejected".
	VettingStatus string
	// Suspended providers are flagged: they must not be recommended.
	Suspended  bool
	UpdateTime time.Time
}

// MayTakeWork reports what (*Service).MayTakeWork does, for the model.
func (p Provider) MayTakeWork() bool {
	return p.VettingStatus == statusApproved && !p.Suspended
}

// LoadProviders reads providers from the read replica: those named by
// userIDs, or every provider when none are named, ordered by user id.
func LoadProviders(ctx context.Context, d *postgres.DB, userIDs ...uuid.UUID) ([]Provider, error) {
	if userIDs == nil {
		userIDs = []uuid.UUID{}
	}
	rows, err := db.New(d.Replica).ListProviders(ctx, userIDs)
	if err != nil {
		return nil, fmt.Errorf("load providers: %w", err)
	}
	out := make([]Provider, 0, len(rows))
	for _, r := range rows {
		p := Provider{
			UserID: r.UserID, HourlyRateFen: r.HourlyRateFen, DailyRateFen: r.DailyRateFen,
			City: r.City, TimeZone: r.TimeZone, Availability: r.Availability,
			VettingStatus: r.VettingStatus, Suspended: r.Suspended, UpdateTime: r.UpdateTime,
		}
		for i, t := range r.Tags {
			p.Skills = append(p.Skills, SkillLevel{Tag: t, Level: int(r.Levels[i])})
		}
		out = append(out, p)
	}
	return out, nil
}
