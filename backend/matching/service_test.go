package matching

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/tasks"
	"github.com/talent-hub/talent/backend/testenv"
	matchingv1 "github.com/talent-hub/talent/proto/talent/matching/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// bundle is a service over a fresh database.
type bundle struct {
	db  *postgres.DB
	svc *Service
	vet *lazyVetter
}

func setup(t *testing.T) bundle {
	t.Helper()
	db := testenv.DB(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bundle{db: db, svc: New(db, logger, Options{Engine: Config{ExploreSlots: -1}}), vet: &lazyVetter{}}
	if err := b.svc.Relearn(t.Context()); err != nil {
		t.Fatalf("first load: %v", err)
	}
	return b
}

// user stores a user and returns a context signed in as them and the id.
func (b bundle) user(t *testing.T, name string, roles ...string) (context.Context, string) {
	t.Helper()
	var id string
	err := b.db.Primary.QueryRow(t.Context(), `
		INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ($1, 'x', $2, $3, '1') RETURNING id::text`,
		strings.ToLower(name)+"@example.com", name, roles).Scan(&id)
	if err != nil {
		t.Fatalf("insert user %s: %v", name, err)
	}
	return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: roles}), id
}

// task stores an open task of client with tags, in Shanghai.
func (b bundle) task(t *testing.T, clientID, title string, tags ...string) string {
	t.Helper()
	var id string
	err := b.db.Primary.QueryRow(t.Context(), `
		INSERT INTO tasks (client_id, title, budget_min_fen, budget_max_fen, delivery_date, skill_tags, remote, city)
		VALUES ($1, $2, 400000, 1000000, '2030-01-01', $3, false, '上海') RETURNING id::text`,
		clientID, title, tags).Scan(&id)
	if err != nil {
		t.Fatalf("insert task: %v", err)
	}
	return id
}

func (b bundle) sync(t *testing.T) {
	t.Helper()
	if err := b.svc.Sync(t.Context()); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

func code(err error) connect.Code {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Code()
	}
	return connect.CodeUnknown
}

func providerNames(r *matchingv1.RecommendProvidersResponse) []string {
	var out []string
	for _, p := range r.GetProviders() {
		out = append(out, p.GetDisplayName())
	}
	return out
}

// TestServiceJourney goes through the service as its users do: an
// administrator gives providers skills, a client gets recommendations for
// their task, displays and clicks them, the administrator flags one
// account and pins another, and the statistics count it all (MATCH-1..3).
func TestServiceJourney(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin, _ := b.user(t, "Admin", auth.RoleAdmin)
	client, clientID := b.user(t, "Client", auth.RoleClient)
	other, _ := b.user(t, "Other", auth.RoleClient)
	// Vetted providers whose profiles the administrator corrects.
	_, aliceID := b.provider(t, "Alice", true, "figma")
	bob, bobID := b.provider(t, "Bob", true, "figma")
	_, carolID := b.provider(t, "Carol", true, "figma")
	taskID := b.task(t, clientID, "Payments API", "go", "postgresql")
	b.sync(t)

	for id, sk := range map[string][]*matchingv1.Skill{
		aliceID: {{Tag: "golang", Level: 5}, {Tag: "postgres", Level: 5}},
		bobID:   {{Tag: "go", Level: 3}},
		carolID: {{Tag: "figma", Level: 5}},
	} {
		if _, err := b.svc.SetProviderSkills(admin, connect.NewRequest(&matchingv1.SetProviderSkillsRequest{ProviderId: id, Skills: sk})); err != nil {
			t.Fatalf("SetProviderSkills: %v", err)
		}
	}
	rec := func() *matchingv1.RecommendProvidersResponse {
		t.Helper()
		r, err := b.svc.RecommendProviders(client, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: taskID}))
		if err != nil {
			t.Fatalf("RecommendProviders: %v", err)
		}
		return r.Msg
	}
	r := rec()
	if got := strings.Join(providerNames(r), ","); got != "Alice,Bob" {
		t.Fatalf("recommended %s, want Alice,Bob", got)
	}
	if ex := r.GetProviders()[0].GetExplanation(); ex.GetSkillsMatched() != 2 || ex.GetSkillsTotal() != 2 || !ex.GetNewProvider() {
		t.Errorf("Alice's explanation: %v", ex)
	}

	// Only the task's client sees its recommendations.
	if _, err := b.svc.RecommendProviders(other, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: taskID})); code(err) != connect.CodePermissionDenied {
		t.Errorf("another client: %v, want permission_denied", err)
	}

	// The slate's events: every item displayed, one clicked twice.
	for _, ev := range []*matchingv1.RecordSlateEventRequest{
		{SlateId: r.GetSlateId(), Kind: matchingv1.SlateEventKind_SLATE_EVENT_KIND_IMPRESSION},
		{SlateId: r.GetSlateId(), ItemId: aliceID, Kind: matchingv1.SlateEventKind_SLATE_EVENT_KIND_CLICK},
		{SlateId: r.GetSlateId(), ItemId: aliceID, Kind: matchingv1.SlateEventKind_SLATE_EVENT_KIND_CLICK},
		{SlateId: r.GetSlateId(), ItemId: aliceID, Kind: matchingv1.SlateEventKind_SLATE_EVENT_KIND_INVITE},
	} {
		if _, err := b.svc.RecordSlateEvent(client, connect.NewRequest(ev)); err != nil {
			t.Fatalf("RecordSlateEvent(%v): %v", ev, err)
		}
	}
	if _, err := b.svc.RecordSlateEvent(client, connect.NewRequest(&matchingv1.RecordSlateEventRequest{
		SlateId: r.GetSlateId(), ItemId: carolID, Kind: matchingv1.SlateEventKind_SLATE_EVENT_KIND_CLICK,
	})); code(err) != connect.CodeInvalidArgument {
		t.Errorf("click on an item not in the slate: %v, want invalid_argument", err)
	}
	if _, err := b.svc.RecordSlateEvent(other, connect.NewRequest(&matchingv1.RecordSlateEventRequest{
		SlateId: r.GetSlateId(), ItemId: aliceID, Kind: matchingv1.SlateEventKind_SLATE_EVENT_KIND_CLICK,
	})); code(err) != connect.CodeNotFound {
		t.Errorf("event on another's slate: %v, want not_found", err)
	}
	stats, err := b.svc.GetMatchingStats(admin, connect.NewRequest(&matchingv1.GetMatchingStatsRequest{}))
	if err != nil {
		t.Fatalf("GetMatchingStats: %v", err)
	}
	p := stats.Msg.GetStats()[0]
	if p.GetDirection() != "providers" || p.GetSlates() != 1 || p.GetImpressions() != 2 || p.GetClicks() != 1 ||
		p.GetInvites() != 1 || p.GetCtr() != 0.5 || p.GetSlateCtr() != 1 {
		t.Errorf("stats %v, want 1 slate, 2 impressions, 1 click, 1 invite, CTR 0.5, slate CTR 1", p)
	}
	if got := testutil.ToFloat64(b.svc.events.WithLabelValues("providers", "click")); got != 1 {
		t.Errorf("click counter = %v, want 1", got)
	}

	// Flag Alice: gone from the next request. Pin Carol for the task.
	if _, err := b.svc.FlagProvider(admin, connect.NewRequest(&matchingv1.FlagProviderRequest{ProviderId: aliceID, Flagged: true, Note: "fake"})); err != nil {
		t.Fatalf("FlagProvider: %v", err)
	}
	if _, err := b.svc.SetPlacement(admin, connect.NewRequest(&matchingv1.SetPlacementRequest{ProviderId: carolID, TaskId: taskID, Placement: matchingv1.Placement_PLACEMENT_PIN})); err != nil {
		t.Fatalf("SetPlacement: %v", err)
	}
	r = rec()
	if got := strings.Join(providerNames(r), ","); got != "Carol,Bob" {
		t.Fatalf("after flag and pin: %s, want Carol,Bob", got)
	}
	if !r.GetProviders()[0].GetExplanation().GetPinned() {
		t.Errorf("Carol is not explained as pinned")
	}
	list, err := b.svc.ListCorrections(admin, connect.NewRequest(&matchingv1.ListCorrectionsRequest{}))
	if err != nil {
		t.Fatalf("ListCorrections: %v", err)
	}
	if n, first := len(list.Msg.GetCorrections()), list.Msg.GetCorrections()[0]; n != 5 || first.GetKind() != "pin" || first.GetProviderName() != "Carol" {
		t.Errorf("corrections: %d, newest %v; want 5, the pin first", n, first)
	}

	// Bob's feed has the task, explained; a task published later comes in
	// with the next sync.
	feed, err := b.svc.RecommendTasks(bob, connect.NewRequest(&matchingv1.RecommendTasksRequest{}))
	if err != nil {
		t.Fatalf("RecommendTasks: %v", err)
	}
	if len(feed.Msg.GetTasks()) != 1 || feed.Msg.GetTasks()[0].GetTitle() != "Payments API" ||
		!strings.HasPrefix(feed.Msg.GetTasks()[0].GetRef(), "T-") || feed.Msg.GetTasks()[0].GetExplanation().GetSkillsMatched() != 1 {
		t.Fatalf("Bob's feed: %v", feed.Msg.GetTasks())
	}
	b.task(t, clientID, "Go CLI", "go")
	b.sync(t)
	feed, err = b.svc.RecommendTasks(bob, connect.NewRequest(&matchingv1.RecommendTasksRequest{}))
	if err != nil || len(feed.Msg.GetTasks()) != 2 || feed.Msg.GetTasks()[0].GetTitle() != "Go CLI" {
		t.Fatalf("after a new task: %v, %v; want Go CLI first", feed.Msg.GetTasks(), err)
	}
}

// TestServiceBadInput checks the field violations of the admin RPCs.
func TestServiceBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin, _ := b.user(t, "Admin", auth.RoleAdmin)
	_, clientID := b.user(t, "Client", auth.RoleClient)
	_, provID := b.user(t, "Prov", auth.RoleProvider)
	tests := []struct {
		name   string
		call   func() error
		reason string
	}{
		{"flag a client", func() error {
			_, err := b.svc.FlagProvider(admin, connect.NewRequest(&matchingv1.FlagProviderRequest{ProviderId: clientID, Flagged: true}))
			return err
		}, "NOT_A_PROVIDER"},
		{"bad id", func() error {
			_, err := b.svc.FlagProvider(admin, connect.NewRequest(&matchingv1.FlagProviderRequest{ProviderId: "x"}))
			return err
		}, "INVALID"},
		{"level 7", func() error {
			_, err := b.svc.SetProviderSkills(admin, connect.NewRequest(&matchingv1.SetProviderSkillsRequest{ProviderId: provID, Skills: []*matchingv1.Skill{{Tag: "go", Level: 7}}}))
			return err
		}, "OUT_OF_RANGE"},
		{"no skills", func() error {
			_, err := b.svc.SetProviderSkills(admin, connect.NewRequest(&matchingv1.SetProviderSkillsRequest{ProviderId: provID}))
			return err
		}, "TAGS_REQUIRED"},
		{"both scopes", func() error {
			_, err := b.svc.SetPlacement(admin, connect.NewRequest(&matchingv1.SetPlacementRequest{ProviderId: provID, Skill: "go", TaskId: clientID, Placement: matchingv1.Placement_PLACEMENT_PIN}))
			return err
		}, "SCOPE_REQUIRED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if code(err) != connect.CodeInvalidArgument {
				t.Fatalf("err = %v, want invalid_argument", err)
			}
			if got := reasonOf(err); got != tt.reason {
				t.Fatalf("reason = %q, want %q", got, tt.reason)
			}
		})
	}
}

// reasonOf returns the first field violation's reason in err.
func reasonOf(err error) string {
	if vs := badrequest.FromError(err); len(vs) > 0 {
		return vs[0].Reason
	}
	return ""
}

// TestCorrectionsAreAudited checks that every correction lands in the
// hash-chained audit log with its actor (MATCH-3, SEC-3).
func TestCorrectionsAreAudited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin, adminID := b.user(t, "Admin", auth.RoleAdmin)
	_, provID := b.user(t, "Prov", auth.RoleProvider)
	if _, err := b.svc.FlagProvider(admin, connect.NewRequest(&matchingv1.FlagProviderRequest{ProviderId: provID, Flagged: true, Note: "fake photos"})); err != nil {
		t.Fatalf("FlagProvider: %v", err)
	}
	if _, err := b.svc.SetPlacement(admin, connect.NewRequest(&matchingv1.SetPlacementRequest{ProviderId: provID, Skill: "Golang", Placement: matchingv1.Placement_PLACEMENT_DEMOTE})); err != nil {
		t.Fatalf("SetPlacement: %v", err)
	}
	rows, err := b.db.Primary.Query(t.Context(), `SELECT actor_id::text, action, target, detail->>'note', coalesce(detail->>'skill', '') FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	var got []string
	for rows.Next() {
		var actor, action, target, note, skill string
		if err := rows.Scan(&actor, &action, &target, &note, &skill); err != nil {
			t.Fatalf("scan: %v", err)
		}
		if actor != adminID || target != "user:"+provID {
			t.Errorf("entry %s by %s on %s, want by the admin on the provider", action, actor, target)
		}
		got = append(got, action+"/"+note+"/"+skill)
	}
	if want := []string{"matching.flag/fake photos/", "matching.demote//go"}; !slices.Equal(got, want) {
		t.Fatalf("audit entries %q, want %q", got, want)
	}
	if res, err := audit.Verify(t.Context(), b.db.Primary); err != nil || !res.Intact() {
		t.Fatalf("audit chain: %+v, %v", res, err)
	}
}

// TestPushOnPublish checks that the task service, with the engine as its
// Matcher, tells the best vetted providers of a task as it is published,
// and nobody else (issue 5 item 4, MATCH-1).
func TestPushOnPublish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	client, clientID := b.user(t, "Client", auth.RoleClient)
	_, goID := b.provider(t, "Gopher", true, "go")
	b.provider(t, "Designer", true, "figma")
	b.provider(t, "Unvetted Gopher", false, "go")
	b.sync(t)
	market := tasks.New(b.db, slog.New(slog.NewTextHandler(io.Discard, nil)), tasks.Options{Matcher: b.svc})
	if _, err := market.CreateTask(client, connect.NewRequest(&tasksv1.CreateTaskRequest{
		Title: "Go service", BudgetMinFen: 500000, BudgetMaxFen: 800000, DeliveryDate: "2030-07-01",
		SkillTags: []string{"go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
	})); err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	rows, err := b.db.Primary.Query(t.Context(), `SELECT user_id::text, kind FROM notifications WHERE kind = 'task.matched' ORDER BY id`)
	if err != nil {
		t.Fatalf("read notifications: %v", err)
	}
	var got []string
	for rows.Next() {
		var user, kind string
		if err := rows.Scan(&user, &kind); err != nil {
			t.Fatalf("scan: %v", err)
		}
		got = append(got, user+" "+kind)
	}
	if want := []string{goID + " task.matched"}; !slices.Equal(got, want) {
		t.Fatalf("notifications %q, want %q (client %s)", got, want, clientID)
	}
	if n := testutil.ToFloat64(b.svc.pushes); n != 1 {
		t.Errorf("pushes metric %v, want 1", n)
	}
}

// TestDeletedProviderIsDropped checks that a provider who deletes their
// account (the row stays, marked) is not recommended after the next sync.
func TestDeletedProviderIsDropped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	client, clientID := b.user(t, "Client", auth.RoleClient)
	_, provID := b.provider(t, "Leaver", true, "go")
	taskID := b.task(t, clientID, "Go job", "go")
	count := func() int {
		t.Helper()
		b.sync(t)
		r, err := b.svc.RecommendProviders(client, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: taskID}))
		if err != nil {
			t.Fatalf("RecommendProviders: %v", err)
		}
		return len(r.Msg.GetProviders())
	}
	if n := count(); n != 1 {
		t.Fatalf("before deletion: %d recommended, want 1", n)
	}
	if _, err := b.db.Primary.Exec(t.Context(), `UPDATE users SET delete_time = now() WHERE id = $1`, provID); err != nil {
		t.Fatalf("delete account: %v", err)
	}
	if n := count(); n != 0 {
		t.Fatalf("after deletion: %d recommended, want 0", n)
	}
}
