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
	return summaries(ctx, db.New(d.Primary), now, users)
}

// summaries runs the RatingSummaries query: the one place the reveal rule
// and the score are computed, for RatingSummary and RatingSummaries.
func summaries(ctx context.Context, q *db.Queries, now time.Time, users []uuid.UUID) (map[uuid.UUID]Summary, error) {
	rows, err := q.RatingSummaries(ctx, db.RatingSummariesParams{RevieweeIds: users, Now: now})
	if err != nil {
		return nil, fmt.Errorf("rating summaries: %w", err)
	}
	out := make(map[uuid.UUID]Summary, len(rows))
	for _, r := range rows {
		out[r.RevieweeID] = summaryOf(r.N, r.Total)
	}
	return out, nil
}

// summaryOf is the score of n revealed reviews with total stars: the
// plain average and the Bayesian one smoothed towards the prior.
func summaryOf(n int32, total int64) Summary {
	sum := Summary{Count: int(n), Bayesian: (priorStars*priorWeight + float64(total)) / float64(priorWeight+n)}
	if n > 0 {
		sum.Average = float64(total) / float64(n)
	}
	return sum
}
