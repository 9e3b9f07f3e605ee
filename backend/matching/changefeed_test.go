package matching

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/auth"
	matchingv1 "github.com/talent-hub/talent/proto/talent/matching/v1"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
)

// TestChangesReachEveryProcess checks MATCH-1 item 7 across two talentd
// processes following one database: a profile change, a suspension and an
// administrator's flag made through one process are visible in the next
// recommendations of the other. Polling is set to an hour, so only the
// change feed's LISTEN/NOTIFY can deliver them; the measured delays are
// logged (go test -v -run TestChangesReachEveryProcess).
func TestChangesReachEveryProcess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var procs [2]*Service
	for i := range procs {
		procs[i] = New(b.db, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{
			Engine: Config{ExploreSlots: -1}, PollEvery: time.Hour, FallbackEvery: time.Hour, RelearnEvery: time.Hour,
		})
		go procs[i].Run(ctx) //nolint:errcheck // ends with ctx
	}
	admin, _ := b.user(t, "Admin", auth.RoleAdmin)
	client, clientID := b.user(t, "Client", auth.RoleClient)
	provCtx, provID := b.provider(t, "Rustacean", true, "figma")
	taskID := b.task(t, clientID, "Rust parser", "rust")
	waitFor(t, "both processes loaded and listening", func() bool {
		return procs[0].loaded.Load() && procs[0].listening.Load() && procs[1].loaded.Load() && procs[1].listening.Load()
	})
	recommended := func() bool {
		r, err := procs[1].RecommendProviders(client, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: taskID}))
		if err != nil {
			t.Fatalf("RecommendProviders: %v", err)
		}
		return slices.ContainsFunc(r.Msg.GetProviders(), func(p *matchingv1.ProviderMatch) bool { return p.GetProviderId() == provID })
	}
	waitFor(t, "the task indexed", func() bool { return procs[1].Engine().HasTask(mustUUID(t, taskID)) })
	if recommended() {
		t.Fatal("a figma profile is recommended for a Rust task")
	}
	suspend := func(on bool) func() {
		return func() {
			if _, err := b.vet.v.svc.SuspendProvider(b.vet.v.admin, connect.NewRequest(&providersv1.SuspendProviderRequest{
				UserId: provID, Suspended: on, Reason: "checking documents"})); err != nil {
				t.Fatalf("SuspendProvider: %v", err)
			}
		}
	}
	flag := func(on bool) func() {
		return func() {
			if _, err := procs[0].FlagProvider(admin, connect.NewRequest(&matchingv1.FlagProviderRequest{ProviderId: provID, Flagged: on})); err != nil {
				t.Fatalf("FlagProvider: %v", err)
			}
		}
	}
	steps := []struct {
		name   string
		change func()
		want   bool
	}{
		{"profile gains the skill", func() {
			if _, err := b.vet.v.svc.SaveProfile(provCtx, connect.NewRequest(profile(&providersv1.Skill{Tag: "Rust", Level: 5}))); err != nil {
				t.Fatalf("SaveProfile: %v", err)
			}
		}, true},
		{"suspended", suspend(true), false},
		{"reinstated", suspend(false), true},
		{"flagged by an administrator in the other process", flag(true), false},
		{"unflagged", flag(false), true},
	}
	for _, st := range steps {
		start := time.Now()
		st.change()
		waitFor(t, st.name, func() bool { return recommended() == st.want })
		t.Logf("propagation to the other process, %s: %v", st.name, time.Since(start))
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline (a missed announcement would wait for the hour-long poll).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
