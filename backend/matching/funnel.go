package matching

import (
	"context"
	"fmt"

	"github.com/talent-hub/talent/backend/matching/internal/db"
)

// attributeLocked logs to slates the invites, proposals and hires of the
// market (backend/tasks' task_invitations, proposals and engagements) that
// followed them since the last round (MATCH-2; docs/matching.md defines
// which slate each counts for). It reads the market's rows rather than
// being called by the market, so the task service knows nothing of slates.
// Rows are logged at most once per slate, item and kind, so every process
// may run it; the one that logs a row counts it in the metrics. syncMu
// held.
func (s *Service) attributeLocked(ctx context.Context) error {
	q := db.New(s.db.Primary)
	now, err := q.Now(ctx)
	if err != nil {
		return fmt.Errorf("read the database clock: %w", err)
	}
	since := s.funnelMark.Add(-feedOverlap)
	if s.funnelMark.IsZero() {
		since = now.AddDate(0, 0, -s.opts.AttributionDays)
	}
	days := int32(s.opts.AttributionDays)
	invites, err := q.AttributeInvites(ctx, db.AttributeInvitesParams{WindowDays: days, Since: since})
	if err != nil {
		return fmt.Errorf("attribute invites: %w", err)
	}
	for _, r := range invites {
		s.events.WithLabelValues(r.Direction, "invite").Add(float64(r.N))
	}
	// Proposals after invites and hires after proposals: each reads what
	// the one before logged.
	proposals, err := q.AttributeProposals(ctx, db.AttributeProposalsParams{WindowDays: days, Since: since})
	if err != nil {
		return fmt.Errorf("attribute proposals: %w", err)
	}
	for _, r := range proposals {
		s.events.WithLabelValues(r.Direction, "proposal").Add(float64(r.N))
	}
	hires, err := q.AttributeHires(ctx, db.AttributeHiresParams{WindowDays: days, Since: since})
	if err != nil {
		return fmt.Errorf("attribute hires: %w", err)
	}
	for _, r := range hires {
		s.events.WithLabelValues(r.Direction, "hire").Add(float64(r.N))
	}
	s.funnelMark = now
	return nil
}
