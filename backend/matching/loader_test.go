package matching

import (
	"slices"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	matchingv1 "github.com/talent-hub/talent/proto/talent/matching/v1"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
)

// TestLoaderReadsTheMarket checks the PostgresLoader over the platform's
// real rows (MATCH-1): a vetted provider with a profile and a review ranks
// with their rating, rate and city explained; an unvetted, suspended or
// unavailable one is never recommended; and an administrator's flag
// excludes a provider from the very next recommendation (MATCH-3).
func TestLoaderReadsTheMarket(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin, _ := b.user(t, "Admin", auth.RoleAdmin)
	client, clientID := b.user(t, "Client", auth.RoleClient)
	_, reviewedID := b.provider(t, "Reviewed", true, "go", "postgresql")
	_, plainID := b.provider(t, "Plain", true, "go")
	_, unvettedID := b.provider(t, "Unvetted", false, "go", "postgresql")
	_, suspendedID := b.provider(t, "Suspended", true, "go")
	awayCtx, awayID := b.provider(t, "Away", true, "go")
	_ = unvettedID

	// Away marks themself unavailable; Suspended is suspended by an
	// administrator; both through the providers service.
	away := profile(&providersv1.Skill{Tag: "go", Level: 4})
	away.Availability = providersv1.Availability_AVAILABILITY_UNAVAILABLE
	if _, err := b.vet.v.svc.SaveProfile(awayCtx, connect.NewRequest(away)); err != nil {
		t.Fatalf("SaveProfile: %v", err)
	}
	if _, err := b.vet.v.svc.SuspendProvider(b.vet.v.admin, connect.NewRequest(&providersv1.SuspendProviderRequest{
		UserId: suspendedID, Suspended: true, Reason: "fake documents"})); err != nil {
		t.Fatalf("SuspendProvider: %v", err)
	}

	// Reviewed completed an earlier task of the client, on time, and got
	// five stars; the client was reviewed back, so the review shows.
	var doneID string
	if err := b.db.Primary.QueryRow(t.Context(), `
		INSERT INTO tasks (client_id, title, budget_min_fen, budget_max_fen, delivery_date, skill_tags, status, provider_id)
		VALUES ($1, 'Earlier job', 100000, 200000, '2030-01-01', '{go}', 'accepted', $2) RETURNING id::text`,
		clientID, reviewedID).Scan(&doneID); err != nil {
		t.Fatalf("insert done task: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO task_events (task_id, actor_id, from_status, to_status) VALUES
		    ($1, $2, 'in_progress', 'delivered'), ($1, $3, 'delivered', 'accepted')`,
		`INSERT INTO reviews (task_id, reviewer_id, reviewee_id, stars, body, create_time) VALUES
		    ($1, $3, $2, 5, 'Great', now()), ($1, $2, $3, 4, 'Clear brief', now())`,
	} {
		if _, err := b.db.Primary.Exec(t.Context(), q, doneID, reviewedID, clientID); err != nil {
			t.Fatalf("insert history: %v", err)
		}
	}
	taskID := b.task(t, clientID, "Payments API", "go", "postgresql")
	b.sync(t)

	rec := func() *matchingv1.RecommendProvidersResponse {
		t.Helper()
		r, err := b.svc.RecommendProviders(client, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: taskID}))
		if err != nil {
			t.Fatalf("RecommendProviders: %v", err)
		}
		return r.Msg
	}
	r := rec()
	var ids []string
	for _, p := range r.GetProviders() {
		ids = append(ids, p.GetProviderId())
	}
	if want := []string{reviewedID, plainID}; !slices.Equal(ids, want) {
		t.Fatalf("recommended %v, want Reviewed then Plain %v (unvetted %s, suspended %s, away %s excluded)",
			providerNames(r), want, unvettedID, suspendedID, awayID)
	}
	ex := r.GetProviders()[0].GetExplanation()
	tests := []struct {
		name      string
		got, want any
	}{
		{"skills matched", ex.GetSkillsMatched(), int32(2)},
		{"rating", ex.GetRating(), 5.0},
		{"rating count", ex.GetRatingCount(), int32(1)},
		{"completed jobs", ex.GetCompletedJobs(), int32(1)},
		{"on time", ex.GetOnTimePercent(), int32(100)},
		{"same city", ex.GetSameCity(), true},
		{"rate", ex.GetRateFen(), int64(30000)},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("Reviewed's explanation: %s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}

	// A flag excludes at once: no sync between the flag and the request.
	if _, err := b.svc.FlagProvider(admin, connect.NewRequest(&matchingv1.FlagProviderRequest{ProviderId: reviewedID, Flagged: true})); err != nil {
		t.Fatalf("FlagProvider: %v", err)
	}
	if got := providerNames(rec()); !slices.Equal(got, []string{"Plain"}) {
		t.Fatalf("after the flag: %v, want Plain only", got)
	}
}
