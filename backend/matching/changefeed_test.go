package matching

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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

// TestRevealReachesEveryProcess checks that a review revealed by the 14
// days (backend/reviews: the other side never reviewed) reaches the
// index when it is revealed, not at the next full reload: each process
// wakes for it on its own. Polling and relearning are set to an hour and
// the reveal itself writes nothing that could be announced.
func TestRevealReachesEveryProcess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	client, clientID := b.user(t, "Client", auth.RoleClient)
	_, provID := b.provider(t, "Reviewed", true, "rust")
	taskID := b.task(t, clientID, "Rust parser", "rust")
	var procs [2]*Service
	for i := range procs {
		procs[i] = New(b.db, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{
			Engine: Config{ExploreSlots: -1}, PollEvery: time.Hour, FallbackEvery: time.Hour, RelearnEvery: time.Hour,
		})
		go procs[i].Run(ctx) //nolint:errcheck // ends with ctx
	}
	waitFor(t, "both processes loaded and listening", func() bool {
		return procs[0].loaded.Load() && procs[0].listening.Load() && procs[1].loaded.Load() && procs[1].listening.Load()
	})
	ratings := func(p *Service) int32 {
		r, err := p.RecommendProviders(client, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: taskID}))
		if err != nil {
			t.Fatalf("RecommendProviders: %v", err)
		}
		for _, m := range r.Msg.GetProviders() {
			if m.GetProviderId() == provID {
				return m.GetExplanation().GetRatingCount()
			}
		}
		t.Fatalf("%s is not recommended for a Rust task", provID)
		return 0
	}
	waitFor(t, "the task indexed", func() bool {
		return procs[0].Engine().HasTask(mustUUID(t, taskID)) && procs[1].Engine().HasTask(mustUUID(t, taskID))
	})
	for i, p := range procs {
		if n := ratings(p); n != 0 {
			t.Fatalf("process %d: %d ratings before any review", i, n)
		}
	}
	// The client's review, written 14 days less a second ago: revealed a
	// second from now.
	if _, err := b.db.Primary.Exec(t.Context(), `
		INSERT INTO reviews (task_id, reviewer_id, reviewee_id, stars, body, create_time)
		VALUES ($1, $2, $3, 5, 'Great parser.', now() - interval '14 days' + interval '1 second')`,
		taskID, clientID, provID); err != nil {
		t.Fatalf("insert review: %v", err)
	}
	start := time.Now()
	for i, p := range procs {
		waitFor(t, fmt.Sprintf("the revealed review in process %d", i), func() bool { return ratings(p) == 1 })
	}
	t.Logf("revealed review indexed %v after it was written (revealed after 1 s)", time.Since(start))
}

// TestWorkStepsStaySilent checks the tasks trigger of the change feed
// (migration 00120): a task announces only the changes the engine reads
// (published, edited while open, leaving open, accepted or cancelled),
// not the steps of work between them. Each step is followed by a marker
// notification, so "not announced" is read from the order of delivery.
func TestWorkStepsStaySilent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, clientID := b.user(t, "Client", auth.RoleClient)
	b.provider(t, "Worker", true, "rust")
	conn, err := pgx.Connect(t.Context(), b.db.Primary.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	if _, err := conn.Exec(t.Context(), "LISTEN "+Channel); err != nil {
		t.Fatal(err)
	}
	var taskID string
	steps := []struct {
		name     string
		sql      string
		announce bool
	}{
		{"published", `INSERT INTO tasks (client_id, title, budget_min_fen, budget_max_fen, delivery_date, skill_tags, remote, city)
			VALUES ($1, 'Rust parser', 400000, 1000000, '2030-01-01', '{rust}', false, '上海') RETURNING id::text`, true},
		{"edited while open", `UPDATE tasks SET title = 'Rust parser v2' WHERE id = $1`, true},
		{"awarded", `UPDATE tasks SET status = 'awarded', provider_id = (SELECT id FROM users WHERE display_name = 'Worker') WHERE id = $1`, true},
		{"work started", `UPDATE tasks SET status = 'in_progress' WHERE id = $1`, false},
		{"sub-status", `UPDATE tasks SET sub_status = 'testing' WHERE id = $1`, false},
		{"delivered", `UPDATE tasks SET status = 'delivered' WHERE id = $1`, false},
		{"changes asked", `UPDATE tasks SET status = 'in_progress' WHERE id = $1`, false},
		{"delivered again", `UPDATE tasks SET status = 'delivered' WHERE id = $1`, false},
		{"accepted", `UPDATE tasks SET status = 'accepted' WHERE id = $1`, true},
		{"closed after acceptance", `UPDATE tasks SET status = 'closed' WHERE id = $1`, false},
	}
	for _, st := range steps {
		if taskID == "" {
			if err := b.db.Primary.QueryRow(t.Context(), st.sql, clientID).Scan(&taskID); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		} else if _, err := b.db.Primary.Exec(t.Context(), st.sql, taskID); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if _, err := b.db.Primary.Exec(t.Context(), "SELECT pg_notify($1, 'marker')", Channel); err != nil {
			t.Fatal(err)
		}
		announced := false
		for {
			n, err := conn.WaitForNotification(t.Context())
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if n.Payload == "marker" {
				break
			}
			announced = announced || n.Payload == "tasks"
		}
		if announced != st.announce {
			t.Errorf("%s: announced %v, want %v", st.name, announced, st.announce)
		}
	}
}
