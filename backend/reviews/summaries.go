package reviews

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/reviews/internal/db"
)

// RatingSummaries returns the scores of users, by user id, as
// (*Service).RatingSummary computes them, in one query: those named, or
// every reviewed user when none are named. Users without a revealed review
// are absent. It reads the primary, so a review just written counts (the
// matching engine's read model, MATCH-1).
func RatingSummaries(ctx context.Context, d *postgres.DB, now time.Time, users ...uuid.UUID) (map[uuid.UUID]Summary, error) {
	if users == nil {
		users = []uuid.UUID{}
	}
	rows, err := db.New(d.Primary).RatingSummaries(ctx, db.RatingSummariesParams{RevieweeIds: users, Now: now})
	if err != nil {
		return nil, fmt.Errorf("rating summaries: %w", err)
	}
	out := make(map[uuid.UUID]Summary, len(rows))
	for _, r := range rows {
		sum := Summary{Count: int(r.N), Bayesian: (priorStars*priorWeight + float64(r.Total)) / float64(priorWeight+r.N)}
		if r.N > 0 {
			sum.Average = float64(r.Total) / float64(r.N)
		}
		out[r.RevieweeID] = sum
	}
	return out, nil
}
