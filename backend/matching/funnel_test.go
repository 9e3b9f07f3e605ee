package matching

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/tasks"
	matchingv1 "github.com/talent-hub/talent/proto/talent/matching/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// TestFunnelAttribution checks MATCH-2's funnel over the real market: an
// invite, a proposal and a hire that follow recommendations are logged to
// their slates (docs/matching.md), counted once in the statistics and the
// metrics, and an invite the client records on the slate they invited
// from moves there from the slate the attribution guessed.
func TestFunnelAttribution(t *testing.T) {
	t.Parallel()
	b := setup(t)
	market := tasks.New(b.db, slog.New(slog.NewTextHandler(io.Discard, nil)), tasks.Options{Matcher: b.svc})
	client, _ := b.user(t, "Client", auth.RoleClient)
	provCtx, provID := b.provider(t, "Pat", true, "go")
	_, quinnID := b.provider(t, "Quinn", true, "go")
	created, err := market.CreateTask(client, connect.NewRequest(&tasksv1.CreateTaskRequest{
		Title: "Go service", BudgetMinFen: 500000, BudgetMaxFen: 800000, DeliveryDate: "2030-07-01",
		SkillTags: []string{"go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
	}))
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	taskID := created.Msg.GetTask().GetId()
	b.sync(t)

	slate := func() string {
		t.Helper()
		r, err := b.svc.RecommendProviders(client, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: taskID}))
		if err != nil || len(r.Msg.GetProviders()) != 2 {
			t.Fatalf("RecommendProviders: %v, %v; want Pat and Quinn", r, err)
		}
		return r.Msg.GetSlateId()
	}
	first := slate()
	latest := slate()
	invite := func(id string) {
		t.Helper()
		if _, err := market.InviteProvider(client, connect.NewRequest(&tasksv1.InviteProviderRequest{IdOrRef: taskID, ProviderId: id})); err != nil {
			t.Fatalf("InviteProvider: %v", err)
		}
	}
	invite(provID)
	invite(quinnID)
	feed, err := b.svc.RecommendTasks(provCtx, connect.NewRequest(&matchingv1.RecommendTasksRequest{}))
	if err != nil || len(feed.Msg.GetTasks()) != 1 {
		t.Fatalf("Pat's feed: %v, %v", feed, err)
	}
	prop, err := market.CreateProposal(provCtx, connect.NewRequest(&tasksv1.CreateProposalRequest{
		IdOrRef: taskID, PriceFen: 600000, TimelineDays: 10, CoverNote: "I have built three of these.",
	}))
	if err != nil {
		t.Fatalf("CreateProposal: %v", err)
	}
	if _, err := market.AwardProposal(client, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: prop.Msg.GetProposal().GetId()})); err != nil {
		t.Fatalf("AwardProposal: %v", err)
	}
	b.sync(t)
	// The client invited Quinn from the first slate, and says so.
	if _, err := b.svc.RecordSlateEvent(client, connect.NewRequest(&matchingv1.RecordSlateEventRequest{
		SlateId: first, ItemId: quinnID, Kind: matchingv1.SlateEventKind_SLATE_EVENT_KIND_INVITE})); err != nil {
		t.Fatalf("RecordSlateEvent: %v", err)
	}
	b.sync(t) // a second round logs nothing twice

	events := func(slateID string) map[string]int {
		t.Helper()
		rows, err := b.db.Primary.Query(t.Context(), `
			SELECT u.display_name || ' ' || e.kind FROM matching_slate_events e JOIN users u ON u.id = e.item_id
			WHERE e.slate_id = $1
			UNION ALL
			SELECT t.title || ' ' || e.kind FROM matching_slate_events e JOIN tasks t ON t.id = e.item_id
			WHERE e.slate_id = $1`, slateID)
		if err != nil {
			t.Fatalf("read events: %v", err)
		}
		out := map[string]int{}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[s]++
		}
		return out
	}
	stats, err := b.svc.GetMatchingStats(auth.WithPrincipal(t.Context(), auth.Principal{UserID: "00000000-0000-0000-0000-000000000001", Roles: []string{auth.RoleAdmin}}),
		connect.NewRequest(&matchingv1.GetMatchingStatsRequest{}))
	if err != nil {
		t.Fatalf("GetMatchingStats: %v", err)
	}
	byDir := map[string]*matchingv1.SlateStats{}
	for _, st := range stats.Msg.GetStats() {
		byDir[st.GetDirection()] = st
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"first slate", events(first), map[string]int{"Quinn invite": 1}},
		{"latest slate", events(latest), map[string]int{"Pat invite": 1, "Pat proposal": 1, "Pat hire": 1}},
		{"Pat's feed", events(feed.Msg.GetSlateId()), map[string]int{"Go service proposal": 1, "Go service hire": 1}},
		{"providers invites", byDir["providers"].GetInvites(), int64(2)},
		{"providers proposals", byDir["providers"].GetProposals(), int64(1)},
		{"providers hires", byDir["providers"].GetHires(), int64(1)},
		{"tasks proposals", byDir["tasks"].GetProposals(), int64(1)},
		{"tasks hires", byDir["tasks"].GetHires(), int64(1)},
		{"invite metric", testutil.ToFloat64(b.svc.events.WithLabelValues("providers", "invite")), 2.0},
		{"hire metric", testutil.ToFloat64(b.svc.events.WithLabelValues("tasks", "hire")), 1.0},
	}
	for _, tt := range tests {
		if fmtAny(tt.got) != fmtAny(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// fmtAny formats values, maps in key order, for comparison.
func fmtAny(v any) string { return fmt.Sprint(v) }
