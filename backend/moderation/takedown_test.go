package moderation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/boards"
	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/reviews"
	"github.com/talent-hub/talent/backend/tasks"
	"github.com/talent-hub/talent/backend/testenv"
	boardsv1 "github.com/talent-hub/talent/proto/talent/boards/v1"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	moderationv1 "github.com/talent-hub/talent/proto/talent/moderation/v1"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	reviewsv1 "github.com/talent-hub/talent/proto/talent/reviews/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// market is every service whose texts the patrol queue holds, wired to
// the moderation service as cmd/talentd wires them.
type market struct {
	bundle
	boards    *boards.Service
	reviews   *reviews.Service
	providers *providers.Service
	identity  *identity.Service
}

func setupMarket(t *testing.T) market {
	t.Helper()
	db := testenv.DB(t)
	logger := quietLogger()
	checker := moderation.NewChecker(db, logger, moderation.CheckerOptions{})
	prov := providers.New(db, nil, logger, providers.Options{Moderation: checker})
	ts := tasks.New(db, logger, tasks.Options{
		Now:        func() time.Time { return time.Date(2030, 6, 1, 8, 0, 0, 0, time.UTC) },
		Moderation: checker, Vetting: prov,
	})
	rs := reviews.New(db, ts, reviews.Options{Moderation: checker})
	bs := boards.New(db, ts, boards.Options{Moderation: checker})
	ids := identity.New(db, logger, identity.Options{Moderation: checker})
	svc := moderation.New(db, logger, checker, moderation.Options{Targets: map[string]moderation.Target{
		moderation.KindTask:        ts,
		moderation.KindProposal:    moderation.TargetFunc(ts.TakeDownProposal),
		moderation.KindDelivery:    moderation.TargetFunc(ts.TakeDownDelivery),
		moderation.KindTaskNote:    moderation.TargetFunc(ts.TakeDownNote),
		moderation.KindReview:      moderation.TargetFunc(rs.TakeDownReview),
		moderation.KindReviewReply: moderation.TargetFunc(rs.TakeDownReply),
		moderation.KindBoard:       bs,
		moderation.KindProfile:     prov,
		moderation.KindName:        moderation.TargetFunc(ids.TakeDownName),
	}})
	return market{bundle: bundle{db: db, checker: checker, svc: svc, tasks: ts}, boards: bs, reviews: rs, providers: prov, identity: ids}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	t.Helper()
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// takeDown takes the pending patrol items of kind whose item id has
// prefix down with reason, as admin, and returns the item id.
func (m market) takeDown(t *testing.T, admin context.Context, kind, field, reason string) string {
	t.Helper()
	list := must[*connect.Response[moderationv1.ListPatrolItemsResponse]](t, "ListPatrolItems")(
		m.svc.ListPatrolItems(admin, connect.NewRequest(&moderationv1.ListPatrolItemsRequest{PageSize: 500})))
	for _, it := range list.Msg.GetItems() {
		if it.GetKind() != kind || it.GetField() != field {
			continue
		}
		if _, err := m.svc.ResolvePatrolItem(admin, connect.NewRequest(&moderationv1.ResolvePatrolItemRequest{
			Id: it.GetId(), Action: moderationv1.PatrolAction_PATROL_ACTION_TAKE_DOWN, Note: reason,
		})); err != nil {
			t.Fatalf("take down %s %s: %v", kind, it.GetItemId(), err)
		}
		return it.GetItemId()
	}
	t.Fatalf("no pending %s item for %s in %v", kind, field, list.Msg.GetItems())
	return ""
}

// TestTakeDownEveryKind: every kind of text the patrol queue holds can be
// taken down with a reason (SEC-5): the text is hidden from everyone but
// its author and admins, the author is told with the reason, and the
// decision is audited.
func TestTakeDownEveryKind(t *testing.T) {
	t.Parallel()
	m := setupMarket(t)
	cleo, cleoID := m.newUser(t, "Take Client", auth.RoleClient)
	pat, patID := m.newUser(t, "Take Provider", auth.RoleProvider)
	quinn, _ := m.newUser(t, "Other Provider", auth.RoleProvider)
	admin, adminID := m.newUser(t, "Take Admin", auth.RoleAdmin)

	post := func(title string) *tasksv1.Task {
		t.Helper()
		return must[*connect.Response[tasksv1.CreateTaskResponse]](t, "CreateTask")(
			m.tasks.CreateTask(cleo, connect.NewRequest(validTask(title, "A clean description.")))).Msg.GetTask()
	}
	propose := func(ctx context.Context, ref, note string) *tasksv1.Proposal {
		t.Helper()
		return must[*connect.Response[tasksv1.CreateProposalResponse]](t, "CreateProposal")(
			m.tasks.CreateProposal(ctx, connect.NewRequest(&tasksv1.CreateProposalRequest{
				IdOrRef: ref, PriceFen: 600000, TimelineDays: 10, CoverNote: note,
			}))).Msg.GetProposal()
	}
	proposals := func(ctx context.Context, ref string) []*tasksv1.Proposal {
		t.Helper()
		return must[*connect.Response[tasksv1.ListTaskProposalsResponse]](t, "ListTaskProposals")(
			m.tasks.ListTaskProposals(ctx, connect.NewRequest(&tasksv1.ListTaskProposalsRequest{IdOrRef: ref}))).Msg.GetProposals()
	}
	told := func(t *testing.T, userID, reason string) {
		t.Helper()
		if n := m.count(t, `SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'moderation.taken_down' AND params->>'reason' = $2`, userID, reason); n != 1 {
			t.Fatalf("%s take-down notifications with reason %q = %d, want 1", userID, reason, n)
		}
	}
	// notice is the take-down notice with reason as its author reads it
	// in English and Chinese, and where it links to.
	notice := func(t *testing.T, reason string) (en, zh, link string) {
		t.Helper()
		var raw []byte
		if err := m.db.Primary.QueryRow(t.Context(), `SELECT params, link FROM notifications
			WHERE kind = 'moderation.taken_down' AND params->>'reason' = $1`, reason).Scan(&raw, &link); err != nil {
			t.Fatalf("notice for %q: %v", reason, err)
		}
		var params map[string]string
		if err := json.Unmarshal(raw, &params); err != nil {
			t.Fatal(err)
		}
		return ui.English.Notification("moderation.taken_down", params), ui.Chinese.Notification("moderation.taken_down", params), link
	}
	readsAs := func(t *testing.T, reason, wantEn, wantZh, wantLink string) {
		t.Helper()
		en, zh, link := notice(t, reason)
		if en != wantEn || zh != wantZh || link != wantLink {
			t.Errorf("notice for %q reads\n  %q\n  %q\n  → %s\nwant\n  %q\n  %q\n  → %s", reason, en, zh, link, wantEn, wantZh, wantLink)
		}
	}
	audited := func(t *testing.T, kind, item string) {
		t.Helper()
		if n := m.count(t, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'moderation.patrol_take_down'
			AND detail->>'kind' = $2 AND detail->>'item_id' = $3`, adminID, kind, item); n != 1 {
			t.Fatalf("audit entries for taking down %s %s = %d, want 1", kind, item, n)
		}
	}

	// A proposal: the client no longer sees or awards it.
	open := post("Open task for proposals")
	bad := propose(pat, open.GetRef(), "我可以返利给你")
	propose(quinn, open.GetRef(), "A clean proposal.")
	if id := m.takeDown(t, admin, moderation.KindProposal, "cover_note", "rebates are not allowed"); id != bad.GetId() {
		t.Fatalf("took down proposal %s, want %s", id, bad.GetId())
	}
	if got := proposals(cleo, open.GetRef()); len(got) != 1 || got[0].GetId() == bad.GetId() {
		t.Fatalf("client sees proposals %v, want only the other one", got)
	}
	if got := proposals(pat, open.GetRef()); len(got) != 1 || got[0].GetCoverNote() != "我可以返利给你" {
		t.Fatalf("the author sees %v, want their proposal", got)
	}
	_, err := m.tasks.AwardProposal(cleo, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: bad.GetId()}))
	if connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("AwardProposal of a taken-down proposal = %v, want not_found", err)
	}
	told(t, patID, "rebates are not allowed")
	audited(t, moderation.KindProposal, bad.GetId())
	readsAs(t, "rebates are not allowed",
		"The moderators took down your proposal on "+open.GetRef()+": rebates are not allowed",
		"管理员下架了您在 "+open.GetRef()+" 上的投标：rebates are not allowed", "/tasks/"+open.GetRef())

	// An engagement: a sub-status, a board card, a delivery, reviews.
	task := post("Engaged task")
	p := propose(pat, task.GetRef(), "Clean.")
	must[*connect.Response[tasksv1.AwardProposalResponse]](t, "AwardProposal")(
		m.tasks.AwardProposal(cleo, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.GetId()})))
	must[*connect.Response[tasksv1.StartWorkResponse]](t, "StartWork")(
		m.tasks.StartWork(pat, connect.NewRequest(&tasksv1.StartWorkRequest{IdOrRef: task.GetRef()})))
	ref := task.GetRef()

	must[*connect.Response[tasksv1.SetSubStatusResponse]](t, "SetSubStatus")(
		m.tasks.SetSubStatus(pat, connect.NewRequest(&tasksv1.SetSubStatusRequest{IdOrRef: ref, SubStatus: "测试中 返利"})))
	note := m.takeDown(t, admin, moderation.KindTaskNote, "sub_status", "no rebates on the timeline")
	notes := func(ctx context.Context) []string {
		evs := must[*connect.Response[tasksv1.ListTaskEventsResponse]](t, "ListTaskEvents")(
			m.tasks.ListTaskEvents(ctx, connect.NewRequest(&tasksv1.ListTaskEventsRequest{IdOrRef: ref}))).Msg.GetEvents()
		var out []string
		for _, e := range evs {
			out = append(out, e.GetNote())
		}
		return out
	}
	if got := notes(cleo); slices.Contains(got, "测试中 返利") {
		t.Fatalf("the client sees the timeline notes %q, want the taken-down one hidden", got)
	}
	if got := notes(pat); !slices.Contains(got, "测试中 返利") {
		t.Fatalf("the author sees the timeline notes %q, want theirs", got)
	}
	if got := must[*connect.Response[tasksv1.GetTaskResponse]](t, "GetTask")(
		m.tasks.GetTask(cleo, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: ref}))).Msg.GetTask().GetSubStatus(); got != "" {
		t.Fatalf("sub-status = %q after its take-down, want cleared", got)
	}
	told(t, patID, "no rebates on the timeline")
	audited(t, moderation.KindTaskNote, note)

	board := must[*connect.Response[boardsv1.GetBoardResponse]](t, "GetBoard")(
		m.boards.GetBoard(pat, connect.NewRequest(&boardsv1.GetBoardRequest{IdOrRef: ref}))).Msg.GetBoard()
	must[*connect.Response[boardsv1.CreateCardResponse]](t, "CreateCard")(
		m.boards.CreateCard(pat, connect.NewRequest(&boardsv1.CreateCardRequest{ColumnId: board.GetColumns()[0].GetId(), Title: "返利 card"})))
	must[*connect.Response[boardsv1.CreateCardResponse]](t, "CreateCard")(
		m.boards.CreateCard(cleo, connect.NewRequest(&boardsv1.CreateCardRequest{ColumnId: board.GetColumns()[0].GetId(), Title: "Clean card"})))
	card := m.takeDown(t, admin, moderation.KindBoard, "title", "no rebates on the board")
	cards := func(ctx context.Context) []string {
		b := must[*connect.Response[boardsv1.GetBoardResponse]](t, "GetBoard")(
			m.boards.GetBoard(ctx, connect.NewRequest(&boardsv1.GetBoardRequest{IdOrRef: ref}))).Msg.GetBoard()
		var out []string
		for _, c := range b.GetColumns()[0].GetCards() {
			out = append(out, c.GetTitle())
		}
		return out
	}
	if got := cards(cleo); !slices.Equal(got, []string{"Clean card"}) {
		t.Fatalf("the client sees cards %q, want the clean one", got)
	}
	if got := cards(pat); !slices.Equal(got, []string{"返利 card", "Clean card"}) {
		t.Fatalf("the author sees cards %q, want both", got)
	}
	if got := cards(admin); len(got) != 2 {
		t.Fatalf("an admin sees cards %q, want both", got)
	}
	told(t, patID, "no rebates on the board")
	audited(t, moderation.KindBoard, card)
	readsAs(t, "no rebates on the board",
		"The moderators took down a card on the board of "+ref+": no rebates on the board",
		"管理员下架了任务 "+ref+" 看板上的一张卡片：no rebates on the board", "/tasks/"+ref+"/board")

	must[*connect.Response[tasksv1.DeliverTaskResponse]](t, "DeliverTask")(
		m.tasks.DeliverTask(pat, connect.NewRequest(&tasksv1.DeliverTaskRequest{IdOrRef: ref, Note: "Done. 返利 inside."})))
	delivery := m.takeDown(t, admin, moderation.KindDelivery, "note", "no rebates in deliveries")
	deliveryNote := func(ctx context.Context) string {
		ds := must[*connect.Response[tasksv1.ListDeliveriesResponse]](t, "ListDeliveries")(
			m.tasks.ListDeliveries(ctx, connect.NewRequest(&tasksv1.ListDeliveriesRequest{IdOrRef: ref}))).Msg.GetDeliveries()
		if len(ds) != 1 {
			t.Fatalf("deliveries = %v, want 1", ds)
		}
		return ds[0].GetNote()
	}
	if got := deliveryNote(cleo); got != "" {
		t.Fatalf("the client sees the delivery note %q, want it hidden", got)
	}
	if got := deliveryNote(pat); got != "Done. 返利 inside." {
		t.Fatalf("the author sees the delivery note %q", got)
	}
	told(t, patID, "no rebates in deliveries")
	audited(t, moderation.KindDelivery, delivery)

	must[*connect.Response[tasksv1.AcceptDeliveryResponse]](t, "AcceptDelivery")(
		m.tasks.AcceptDelivery(cleo, connect.NewRequest(&tasksv1.AcceptDeliveryRequest{IdOrRef: ref})))
	review := must[*connect.Response[reviewsv1.SubmitReviewResponse]](t, "SubmitReview")(
		m.reviews.SubmitReview(cleo, connect.NewRequest(&reviewsv1.SubmitReviewRequest{IdOrRef: ref, Stars: 2, Body: "Slow. 刷单 suspected."}))).Msg.GetReview()
	must[*connect.Response[reviewsv1.SubmitReviewResponse]](t, "SubmitReview")(
		m.reviews.SubmitReview(pat, connect.NewRequest(&reviewsv1.SubmitReviewRequest{IdOrRef: ref, Stars: 5, Body: "Great client."})))
	must[*connect.Response[reviewsv1.ReplyToReviewResponse]](t, "ReplyToReview")(
		m.reviews.ReplyToReview(pat, connect.NewRequest(&reviewsv1.ReplyToReviewRequest{ReviewId: review.GetId(), Reply: "加微信 and we talk"})))
	if id := m.takeDown(t, admin, moderation.KindReviewReply, "reply", "no contact details in replies"); id != review.GetId() {
		t.Fatalf("took down the reply of %s, want %s", id, review.GetId())
	}
	if id := m.takeDown(t, admin, moderation.KindReview, "body", "no accusations in reviews"); id != review.GetId() {
		t.Fatalf("took down review %s, want %s", id, review.GetId())
	}
	reviewsSeen := func(ctx context.Context) map[string]string {
		rs := must[*connect.Response[reviewsv1.ListTaskReviewsResponse]](t, "ListTaskReviews")(
			m.reviews.ListTaskReviews(ctx, connect.NewRequest(&reviewsv1.ListTaskReviewsRequest{IdOrRef: ref}))).Msg.GetReviews()
		out := map[string]string{}
		for _, r := range rs {
			out[r.GetBody()] = r.GetReply()
		}
		return out
	}
	if got := reviewsSeen(pat); len(got) != 1 || got["Great client."] != "" {
		t.Fatalf("the reviewee sees %v, want only their own review", got)
	}
	if got := reviewsSeen(cleo); len(got) != 2 || got["Slow. 刷单 suspected."] != "" {
		t.Fatalf("the reviewer sees %v, want their review without the taken-down reply", got)
	}
	public := must[*connect.Response[reviewsv1.ListUserReviewsResponse]](t, "ListUserReviews")(
		m.reviews.ListUserReviews(context.Background(), connect.NewRequest(&reviewsv1.ListUserReviewsRequest{UserId: patID}))).Msg.GetReviews()
	if len(public) != 0 {
		t.Fatalf("the public profile shows %v, want the taken-down review hidden", public)
	}
	told(t, cleoID, "no accusations in reviews")
	told(t, patID, "no contact details in replies")
	audited(t, moderation.KindReview, review.GetId())
	audited(t, moderation.KindReviewReply, review.GetId())
	readsAs(t, "no accusations in reviews",
		"The moderators took down your review on "+ref+": no accusations in reviews",
		"管理员下架了您在 "+ref+" 上的评价：no accusations in reviews", "/tasks/"+ref)

	// A provider's bio and portfolio item.
	must[*connect.Response[providersv1.SaveProfileResponse]](t, "SaveProfile")(
		m.providers.SaveProfile(pat, connect.NewRequest(&providersv1.SaveProfileRequest{
			Skills: []*providersv1.Skill{{Tag: "golang", Level: 4}}, TimeZone: "Asia/Shanghai",
			Availability: providersv1.Availability_AVAILABILITY_FULL_TIME, Bio: "Go developer. 返利 for referrals.",
			Portfolio: []*providersv1.PortfolioItem{{Title: "刷单 tool"}, {Title: "Payments gateway"}},
		})))
	bio := m.takeDown(t, admin, moderation.KindProfile, "bio", "no rebates in bios")
	item := m.takeDown(t, admin, moderation.KindProfile, "portfolio[0].title", "no fake-order tools")
	profile := func(ctx context.Context) *providersv1.Profile {
		return must[*connect.Response[providersv1.GetProfileResponse]](t, "GetProfile")(
			m.providers.GetProfile(ctx, connect.NewRequest(&providersv1.GetProfileRequest{UserId: patID}))).Msg.GetProfile()
	}
	if got := profile(cleo); got.GetBio() != "" || len(got.GetPortfolio()) != 1 || got.GetPortfolio()[0].GetTitle() != "Payments gateway" {
		t.Fatalf("others see bio %q and portfolio %v, want both texts taken down hidden", got.GetBio(), got.GetPortfolio())
	}
	if got := profile(pat); got.GetBio() == "" || len(got.GetPortfolio()) != 2 {
		t.Fatalf("the author sees bio %q and portfolio %v, want all", got.GetBio(), got.GetPortfolio())
	}
	if got := profile(admin); got.GetBio() == "" || len(got.GetPortfolio()) != 2 {
		t.Fatalf("an admin sees bio %q and portfolio %v, want all", got.GetBio(), got.GetPortfolio())
	}
	told(t, patID, "no rebates in bios")
	told(t, patID, "no fake-order tools")
	audited(t, moderation.KindProfile, bio)
	audited(t, moderation.KindProfile, item)
	readsAs(t, "no rebates in bios", "The moderators took down your provider bio: no rebates in bios",
		"管理员下架了您的服务方简介：no rebates in bios", "/providers/"+patID)

	// A display name: replaced by a neutral one, for everyone.
	signed := must[*connect.Response[identityv1.SignUpResponse]](t, "SignUp")(
		m.identity.SignUp(t.Context(), connect.NewRequest(&identityv1.SignUpRequest{
			Email: "named@example.com", Password: "correct horse battery", DisplayName: "刷单 King", ConsentVersion: "2025-01",
		}))).Msg.GetUser()
	if id := m.takeDown(t, admin, moderation.KindName, "display_name", "no fake orders in names"); id != signed.GetId() {
		t.Fatalf("took down the name of %s, want %s", id, signed.GetId())
	}
	var name, why string
	if err := m.db.Primary.QueryRow(t.Context(), `SELECT display_name, display_name_takedown_reason FROM users WHERE id = $1`,
		signed.GetId()).Scan(&name, &why); err != nil {
		t.Fatal(err)
	}
	if want := "user-" + signed.GetId()[:8]; name != want || why != "no fake orders in names" {
		t.Fatalf("name after its take-down %q (%q), want %q with the reason", name, why, want)
	}
	told(t, signed.GetId(), "no fake orders in names")
	audited(t, moderation.KindName, signed.GetId())
	readsAs(t, "no fake orders in names", "The moderators took down your display name: no fake orders in names",
		"管理员下架了您的显示名称：no fake orders in names", "/account/security")
}

// TestEveryTextIsChecked: a block keyword refuses every kind of text a
// user writes, with CONTENT_BLOCKED on the field, and a review keyword
// publishes it and queues it for patrol (SEC-5).
func TestEveryTextIsChecked(t *testing.T) {
	t.Parallel()
	m := setupMarket(t)
	cleo, _ := m.newUser(t, "Check Client", auth.RoleClient)
	pat, _ := m.newUser(t, "Check Provider", auth.RoleProvider)
	task := must[*connect.Response[tasksv1.CreateTaskResponse]](t, "CreateTask")(
		m.tasks.CreateTask(cleo, connect.NewRequest(validTask("Checked task", "Clean.")))).Msg.GetTask()
	ref := task.GetRef()
	p := must[*connect.Response[tasksv1.CreateProposalResponse]](t, "CreateProposal")(
		m.tasks.CreateProposal(pat, connect.NewRequest(&tasksv1.CreateProposalRequest{IdOrRef: ref, PriceFen: 600000, TimelineDays: 10, CoverNote: "Clean."}))).Msg.GetProposal()
	must[*connect.Response[tasksv1.AwardProposalResponse]](t, "AwardProposal")(
		m.tasks.AwardProposal(cleo, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.GetId()})))
	must[*connect.Response[tasksv1.StartWorkResponse]](t, "StartWork")(
		m.tasks.StartWork(pat, connect.NewRequest(&tasksv1.StartWorkRequest{IdOrRef: ref})))
	board := must[*connect.Response[boardsv1.GetBoardResponse]](t, "GetBoard")(
		m.boards.GetBoard(pat, connect.NewRequest(&boardsv1.GetBoardRequest{IdOrRef: ref}))).Msg.GetBoard()
	col := board.GetColumns()[0].GetId()
	card := must[*connect.Response[boardsv1.CreateCardResponse]](t, "CreateCard")(
		m.boards.CreateCard(pat, connect.NewRequest(&boardsv1.CreateCardRequest{ColumnId: col, Title: "Clean"}))).Msg.GetBoard().GetColumns()[0].GetCards()[0]

	signUps := 0
	writes := []struct {
		name, field string
		call        func(text string) error
	}{
		{"display name", "display_name", func(s string) error {
			signUps++
			_, err := m.identity.SignUp(t.Context(), connect.NewRequest(&identityv1.SignUpRequest{
				Email: fmt.Sprintf("named%d@example.com", signUps), Password: "correct horse battery",
				DisplayName: s, ConsentVersion: "2025-01",
			}))
			return err
		}},
		{"sub-status", "sub_status", func(s string) error {
			_, err := m.tasks.SetSubStatus(pat, connect.NewRequest(&tasksv1.SetSubStatusRequest{IdOrRef: ref, SubStatus: s}))
			return err
		}},
		{"column name", "name", func(s string) error {
			_, err := m.boards.CreateColumn(pat, connect.NewRequest(&boardsv1.CreateColumnRequest{IdOrRef: ref, Name: s}))
			return err
		}},
		{"column rename", "name", func(s string) error {
			_, err := m.boards.RenameColumn(cleo, connect.NewRequest(&boardsv1.RenameColumnRequest{ColumnId: col, Name: s}))
			return err
		}},
		{"card title", "title", func(s string) error {
			_, err := m.boards.CreateCard(cleo, connect.NewRequest(&boardsv1.CreateCardRequest{ColumnId: col, Title: s}))
			return err
		}},
		{"checklist item", "text", func(s string) error {
			_, err := m.boards.AddChecklistItem(pat, connect.NewRequest(&boardsv1.AddChecklistItemRequest{CardId: card.GetId(), Text: s}))
			return err
		}},
		{"bio", "bio", func(s string) error {
			_, err := m.providers.SaveProfile(pat, connect.NewRequest(&providersv1.SaveProfileRequest{
				Skills: []*providersv1.Skill{{Tag: "golang", Level: 4}}, TimeZone: "Asia/Shanghai",
				Availability: providersv1.Availability_AVAILABILITY_FULL_TIME, Bio: s,
			}))
			return err
		}},
		{"portfolio item", "portfolio[0].description", func(s string) error {
			_, err := m.providers.SaveProfile(pat, connect.NewRequest(&providersv1.SaveProfileRequest{
				Skills: []*providersv1.Skill{{Tag: "golang", Level: 4}}, TimeZone: "Asia/Shanghai",
				Availability: providersv1.Availability_AVAILABILITY_FULL_TIME,
				Portfolio:    []*providersv1.PortfolioItem{{Title: "Work", Description: s}},
			}))
			return err
		}},
		{"delivery note", "note", func(s string) error {
			_, err := m.tasks.DeliverTask(pat, connect.NewRequest(&tasksv1.DeliverTaskRequest{IdOrRef: ref, Note: s}))
			return err
		}},
		{"change request", "reason", func(s string) error {
			_, err := m.tasks.RequestChanges(cleo, connect.NewRequest(&tasksv1.RequestChangesRequest{IdOrRef: ref, Reason: s}))
			return err
		}},
		{"dispute", "reason", func(s string) error {
			_, err := m.tasks.RaiseDispute(cleo, connect.NewRequest(&tasksv1.RaiseDisputeRequest{IdOrRef: ref, Reason: s}))
			return err
		}},
	}
	// In order: each review-keyword write succeeds and moves the task on
	// (delivered, back in progress, disputed).
	for i, w := range writes {
		err := w.call("这是赌博 " + w.name)
		if connect.CodeOf(err) != connect.CodeInvalidArgument || fieldReasons(err)[w.field] != "CONTENT_BLOCKED" {
			t.Fatalf("%s with a block keyword = %v (%v), want CONTENT_BLOCKED on %s", w.name, err, fieldReasons(err), w.field)
		}
		before := m.count(t, `SELECT count(*) FROM moderation_patrol_items WHERE field = $1`, w.field)
		if err := w.call("刷单 " + w.name); err != nil {
			t.Fatalf("%s with a review keyword: %v, want it published", w.name, err)
		}
		if after := m.count(t, `SELECT count(*) FROM moderation_patrol_items WHERE field = $1`, w.field); after != before+1 {
			t.Fatalf("%s (%d): patrol items on %s went %d → %d, want one more", w.name, i, w.field, before, after)
		}
	}
}
