package tasks

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/testenv"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// openTask posts an open task as client.
func (b bundle) openTask(t *testing.T, client context.Context) *tasksv1.Task {
	t.Helper()
	return b.create(t, client, validTask())
}

func (b bundle) propose(t *testing.T, provider context.Context, ref string) *tasksv1.Proposal {
	t.Helper()
	resp, err := b.svc.CreateProposal(provider, connect.NewRequest(validProposal(ref)))
	if err != nil {
		t.Fatalf("CreateProposal(%s): %v", ref, err)
	}
	return resp.Msg.GetProposal()
}

func validProposal(ref string) *tasksv1.CreateProposalRequest {
	return &tasksv1.CreateProposalRequest{IdOrRef: ref, PriceFen: 600000, TimelineDays: 14, CoverNote: "I built three of these."}
}

// kinds returns the kinds of the notifications user has, oldest first.
func (b bundle) kinds(t *testing.T, userID string) []string {
	t.Helper()
	rows, err := b.db.Primary.Query(t.Context(), "SELECT kind FROM notifications WHERE user_id = $1 ORDER BY id", userID)
	if err != nil {
		t.Fatalf("read notifications: %v", err)
	}
	var kinds []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatalf("scan notification: %v", err)
		}
		kinds = append(kinds, k)
	}
	return kinds
}

// wantRefusal checks err's code and BadRequest reason.
func wantRefusal(t *testing.T, err error, code connect.Code, field, reason string) {
	t.Helper()
	if got := connectCode(t, err); got != code {
		t.Fatalf("code = %v, want %v (err %v)", got, code, err)
	}
	if got := fieldReasons(t, err); !maps.Equal(got, map[string]string{field: reason}) {
		t.Fatalf("violations = %v, want %s: %s", got, field, reason)
	}
}

// TestProposalRules checks who may send, change, withdraw and award
// proposals (TASK-2, issue 4 item 3).
func TestProposalRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cleo, cleoID := b.newUser(t, "Cleo", auth.RoleClient)
	otto, _ := b.newUser(t, "Otto", auth.RoleClient)
	pat, _ := b.newUser(t, "Pat", auth.RoleProvider)
	quinn, _ := b.newUser(t, "Quinn", auth.RoleProvider)
	both, _ := b.newUser(t, "Bo", auth.RoleClient, auth.RoleProvider)

	t.Run("unapproved provider refused", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		_, err := b.svc.CreateProposal(otto, connect.NewRequest(validProposal(task.GetRef())))
		wantRefusal(t, err, connect.CodePermissionDenied, "provider", "PROVIDER_NOT_APPROVED")
	})
	// ID-2, issue 3 item 3: only an approved provider can take work.
	for _, status := range []string{"not_submitted", "submitted", "rejected"} {
		t.Run("provider with vetting "+status+" refused", func(t *testing.T) {
			t.Parallel()
			task := b.openTask(t, cleo)
			vic, vicID := b.newUser(t, "Vic "+status, auth.RoleProvider)
			b.setVetting(t, vicID, status)
			_, err := b.svc.CreateProposal(vic, connect.NewRequest(validProposal(task.GetRef())))
			wantRefusal(t, err, connect.CodeFailedPrecondition, "provider", "PROVIDER_NOT_VETTED")
			_, err = b.svc.InviteProvider(cleo, connect.NewRequest(&tasksv1.InviteProviderRequest{IdOrRef: task.GetRef(), ProviderId: vicID}))
			wantRefusal(t, err, connect.CodeFailedPrecondition, "provider", "PROVIDER_NOT_VETTED")
		})
	}
	t.Run("provider without a profile refused", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		var id string
		if err := b.db.Primary.QueryRow(t.Context(), `INSERT INTO users (email, password_hash, display_name, roles, consent_version)
			VALUES ('noprofile@example.com', 'x', 'No Profile', ARRAY['provider'], '1') RETURNING id::text`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		np := auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: []string{auth.RoleProvider}})
		_, err := b.svc.CreateProposal(np, connect.NewRequest(validProposal(task.GetRef())))
		wantRefusal(t, err, connect.CodeFailedPrecondition, "provider", "PROVIDER_NOT_VETTED")
	})
	t.Run("award refused once the provider is suspended", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		sid, sidID := b.newUser(t, "Sid", auth.RoleProvider)
		p := b.propose(t, sid, task.GetRef())
		if _, err := b.db.Primary.Exec(t.Context(), "UPDATE provider_profiles SET suspended = true WHERE user_id = $1", sidID); err != nil {
			t.Fatal(err)
		}
		_, err := b.svc.AwardProposal(cleo, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.GetId()}))
		wantRefusal(t, err, connect.CodeFailedPrecondition, "provider", "PROVIDER_NOT_VETTED")
		got, err := b.svc.GetTask(cleo, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: task.GetRef()}))
		if err != nil {
			t.Fatal(err)
		}
		if got.Msg.GetTask().GetStatus() != tasksv1.TaskStatus_TASK_STATUS_OPEN {
			t.Fatalf("task status = %v after a refused award, want open", got.Msg.GetTask().GetStatus())
		}
	})
	t.Run("without a vetting source nobody takes work", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		noVetting := New(b.db, b.svc.logger, Options{Now: testNow})
		_, err := noVetting.CreateProposal(pat, connect.NewRequest(validProposal(task.GetRef())))
		wantRefusal(t, err, connect.CodeFailedPrecondition, "provider", "PROVIDER_NOT_VETTED")
	})
	t.Run("duplicate refused, resent after withdrawal", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		p := b.propose(t, pat, task.GetRef())
		_, err := b.svc.CreateProposal(pat, connect.NewRequest(validProposal(task.GetRef())))
		wantRefusal(t, err, connect.CodeAlreadyExists, "proposal", "PROPOSAL_EXISTS")
		if _, err := b.svc.WithdrawProposal(pat, connect.NewRequest(&tasksv1.WithdrawProposalRequest{ProposalId: p.GetId()})); err != nil {
			t.Fatalf("WithdrawProposal: %v", err)
		}
		again := b.propose(t, pat, task.GetRef())
		if again.GetId() != p.GetId() || again.GetStatus() != tasksv1.ProposalStatus_PROPOSAL_STATUS_PENDING {
			t.Fatalf("resent proposal = %v, want the same one pending", again)
		}
		if got := b.kinds(t, cleoID); !slices.Contains(got, "proposal.received") || !slices.Contains(got, "proposal.withdrawn") {
			t.Fatalf("client notifications = %v", got)
		}
	})
	t.Run("edit while pending, only the author", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		p := b.propose(t, pat, task.GetRef())
		edit := &tasksv1.UpdateProposalRequest{ProposalId: p.GetId(), PriceFen: 700000, TimelineDays: 10, CoverNote: "Faster."}
		resp, err := b.svc.UpdateProposal(pat, connect.NewRequest(edit))
		if err != nil {
			t.Fatalf("UpdateProposal: %v", err)
		}
		if resp.Msg.GetProposal().GetPriceFen() != 700000 || resp.Msg.GetProposal().GetTimelineDays() != 10 {
			t.Fatalf("updated = %v", resp.Msg.GetProposal())
		}
		_, err = b.svc.UpdateProposal(quinn, connect.NewRequest(edit))
		wantRefusal(t, err, connect.CodePermissionDenied, "proposal_id", "NOT_YOUR_PROPOSAL")
	})
	t.Run("bad fields", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		_, err := b.svc.CreateProposal(pat, connect.NewRequest(&tasksv1.CreateProposalRequest{IdOrRef: task.GetRef(), PriceFen: 5, TimelineDays: 0}))
		if got := fieldReasons(t, err); !maps.Equal(got, map[string]string{
			"price_fen": "PRICE_TOO_LOW", "timeline_days": "TIMELINE_INVALID", "cover_note": "REQUIRED",
		}) {
			t.Fatalf("violations = %v", got)
		}
	})
	t.Run("own task refused", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, both)
		_, err := b.svc.CreateProposal(both, connect.NewRequest(validProposal(task.GetRef())))
		wantRefusal(t, err, connect.CodeFailedPrecondition, "id_or_ref", "OWN_TASK")
	})
	t.Run("task not open refused", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		b.setStatus(t, task.GetId(), statusClosed)
		_, err := b.svc.CreateProposal(pat, connect.NewRequest(validProposal(task.GetRef())))
		wantRefusal(t, err, connect.CodeFailedPrecondition, "status", "TASK_NOT_OPEN")
	})
	t.Run("award by non-owner refused", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		p := b.propose(t, pat, task.GetRef())
		_, err := b.svc.AwardProposal(otto, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.GetId()}))
		if got := connectCode(t, err); got != connect.CodePermissionDenied {
			t.Fatalf("code = %v, want permission_denied", got)
		}
	})
	t.Run("award of withdrawn refused", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		p := b.propose(t, pat, task.GetRef())
		if _, err := b.svc.WithdrawProposal(pat, connect.NewRequest(&tasksv1.WithdrawProposalRequest{ProposalId: p.GetId()})); err != nil {
			t.Fatalf("WithdrawProposal: %v", err)
		}
		_, err := b.svc.AwardProposal(cleo, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.GetId()}))
		wantRefusal(t, err, connect.CodeFailedPrecondition, "proposal", "PROPOSAL_NOT_PENDING")
	})
	t.Run("client sees all, provider their own", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		b.propose(t, pat, task.GetRef())
		q := b.propose(t, quinn, task.GetRef())
		if _, err := b.svc.ShortlistProposal(cleo, connect.NewRequest(&tasksv1.ShortlistProposalRequest{ProposalId: q.GetId(), Shortlisted: true})); err != nil {
			t.Fatalf("ShortlistProposal: %v", err)
		}
		list := func(ctx context.Context) []*tasksv1.Proposal {
			resp, err := b.svc.ListTaskProposals(ctx, connect.NewRequest(&tasksv1.ListTaskProposalsRequest{IdOrRef: task.GetRef()}))
			if err != nil {
				t.Fatalf("ListTaskProposals: %v", err)
			}
			return resp.Msg.GetProposals()
		}
		all := list(cleo)
		if len(all) != 2 || all[0].GetId() != q.GetId() || !all[0].GetShortlisted() {
			t.Fatalf("client's list = %v, want 2 with the shortlisted first", all)
		}
		if own := list(pat); len(own) != 1 || own[0].GetProviderDisplayName() != "Pat" {
			t.Fatalf("provider's list = %v", own)
		}
	})
	t.Run("invitation reaches the provider", func(t *testing.T) {
		t.Parallel()
		task := b.openTask(t, cleo)
		ivy, ivyID := b.newUser(t, "Ivy", auth.RoleProvider)
		if _, err := b.svc.InviteProvider(cleo, connect.NewRequest(&tasksv1.InviteProviderRequest{IdOrRef: task.GetRef(), ProviderId: ivyID})); err != nil {
			t.Fatalf("InviteProvider: %v", err)
		}
		resp, err := b.svc.ListMyWork(ivy, connect.NewRequest(&tasksv1.ListMyWorkRequest{}))
		if err != nil {
			t.Fatalf("ListMyWork: %v", err)
		}
		if inv := resp.Msg.GetInvitations(); len(inv) != 1 || inv[0].GetTaskRef() != task.GetRef() {
			t.Fatalf("invitations = %v", inv)
		}
		if got := b.kinds(t, ivyID); !slices.Equal(got, []string{"task.invited"}) {
			t.Fatalf("notifications = %v", got)
		}
		_, err = b.svc.InviteProvider(otto, connect.NewRequest(&tasksv1.InviteProviderRequest{IdOrRef: task.GetRef(), ProviderId: ivyID}))
		if got := connectCode(t, err); got != connect.CodePermissionDenied {
			t.Fatalf("invite by non-owner: code = %v", got)
		}
	})
}

// TestConcurrentAward awards two proposals of one task at once, many
// times: exactly one wins each time, the other proposer is told.
func TestConcurrentAward(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cleo, _ := b.newUser(t, "Cleo", auth.RoleClient)
	pat, patID := b.newUser(t, "Pat", auth.RoleProvider)
	quinn, quinnID := b.newUser(t, "Quinn", auth.RoleProvider)
	for range 5 {
		task := b.openTask(t, cleo)
		ps := []*tasksv1.Proposal{b.propose(t, pat, task.GetRef()), b.propose(t, quinn, task.GetRef())}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, p := range ps {
			wg.Go(func() {
				_, errs[i] = b.svc.AwardProposal(cleo, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.GetId()}))
			})
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			if err == nil {
				if won >= 0 {
					t.Fatal("both awards succeeded")
				}
				won = i
				continue
			}
			if c := connectCode(t, err); c != connect.CodeFailedPrecondition {
				t.Fatalf("losing award: %v", err)
			}
		}
		if won < 0 {
			t.Fatalf("no award succeeded: %v", errs)
		}
		parties, err := b.svc.Parties(t.Context(), task.GetRef())
		if err != nil {
			t.Fatal(err)
		}
		if parties.ProviderID.String() != ps[won].GetProviderId() || parties.Status != statusAwarded {
			t.Fatalf("parties = %+v, want awarded to %s", parties, ps[won].GetProviderId())
		}
		var engagements int
		if err := b.db.Primary.QueryRow(t.Context(), "SELECT count(*) FROM engagements WHERE task_id = $1", task.GetId()).Scan(&engagements); err != nil || engagements != 1 {
			t.Fatalf("engagements = %d (%v), want 1", engagements, err)
		}
	}
	// Each provider won some and lost some: both kinds of notification.
	for _, id := range []string{patID, quinnID} {
		got := b.kinds(t, id)
		if !slices.Contains(got, "proposal.awarded") && !slices.Contains(got, "proposal.declined") {
			t.Fatalf("provider %s notifications = %v", id, got)
		}
	}
}

// TestEngagement walks a task from award through delivery, changes and
// acceptance, and a dispute, checking who may do what and the timeline
// (issue 4 items 4 and 7).
func TestEngagement(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cleo, cleoID := b.newUser(t, "Cleo", auth.RoleClient)
	pat, patID := b.newUser(t, "Pat", auth.RoleProvider)
	quinn, _ := b.newUser(t, "Quinn", auth.RoleProvider)

	award := func(t *testing.T) *tasksv1.Task {
		task := b.openTask(t, cleo)
		p := b.propose(t, pat, task.GetRef())
		if _, err := b.svc.AwardProposal(cleo, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.GetId()})); err != nil {
			t.Fatalf("AwardProposal: %v", err)
		}
		return task
	}

	t.Run("deliver, changes, accept", func(t *testing.T) {
		t.Parallel()
		task := award(t)
		ref := task.GetRef()
		_, err := b.svc.StartWork(quinn, connect.NewRequest(&tasksv1.StartWorkRequest{IdOrRef: ref}))
		wantRefusal(t, err, connect.CodePermissionDenied, "id_or_ref", "NOT_TASK_PROVIDER")
		_, err = b.svc.SetSubStatus(pat, connect.NewRequest(&tasksv1.SetSubStatusRequest{IdOrRef: ref, SubStatus: "developing"}))
		wantRefusal(t, err, connect.CodeFailedPrecondition, "status", "TASK_NOT_IN_PROGRESS")
		if _, err := b.svc.StartWork(pat, connect.NewRequest(&tasksv1.StartWorkRequest{IdOrRef: ref})); err != nil {
			t.Fatalf("StartWork: %v", err)
		}
		resp, err := b.svc.SetSubStatus(pat, connect.NewRequest(&tasksv1.SetSubStatusRequest{IdOrRef: ref, SubStatus: "testing"}))
		if err != nil || resp.Msg.GetTask().GetSubStatus() != "testing" {
			t.Fatalf("SetSubStatus = %v, %v", resp, err)
		}
		_, err = b.svc.DeliverTask(pat, connect.NewRequest(&tasksv1.DeliverTaskRequest{IdOrRef: ref, Note: "Done", Links: []string{"ftp://x"}}))
		wantRefusal(t, err, connect.CodeInvalidArgument, "links", "LINK_INVALID")
		if _, err := b.svc.DeliverTask(pat, connect.NewRequest(&tasksv1.DeliverTaskRequest{IdOrRef: ref, Note: "First cut", Links: []string{"https://example.com/pr/1"}})); err != nil {
			t.Fatalf("DeliverTask: %v", err)
		}
		_, err = b.svc.RequestChanges(cleo, connect.NewRequest(&tasksv1.RequestChangesRequest{IdOrRef: ref}))
		wantRefusal(t, err, connect.CodeInvalidArgument, "reason", "REQUIRED")
		if _, err := b.svc.RequestChanges(cleo, connect.NewRequest(&tasksv1.RequestChangesRequest{IdOrRef: ref, Reason: "Add CSV export"})); err != nil {
			t.Fatalf("RequestChanges: %v", err)
		}
		if _, err := b.svc.DeliverTask(pat, connect.NewRequest(&tasksv1.DeliverTaskRequest{IdOrRef: ref, Note: "With export"})); err != nil {
			t.Fatalf("DeliverTask again: %v", err)
		}
		_, err = b.svc.AcceptDelivery(pat, connect.NewRequest(&tasksv1.AcceptDeliveryRequest{IdOrRef: ref}))
		if got := connectCode(t, err); got != connect.CodePermissionDenied {
			t.Fatalf("accept by provider: code = %v", got)
		}
		acc, err := b.svc.AcceptDelivery(cleo, connect.NewRequest(&tasksv1.AcceptDeliveryRequest{IdOrRef: ref}))
		if err != nil || acc.Msg.GetTask().GetStatus() != tasksv1.TaskStatus_TASK_STATUS_ACCEPTED {
			t.Fatalf("AcceptDelivery = %v, %v", acc, err)
		}
		dl, err := b.svc.ListDeliveries(cleo, connect.NewRequest(&tasksv1.ListDeliveriesRequest{IdOrRef: ref}))
		if err != nil || len(dl.Msg.GetDeliveries()) != 2 || dl.Msg.GetDeliveries()[0].GetLinks()[0] != "https://example.com/pr/1" {
			t.Fatalf("ListDeliveries = %v, %v", dl, err)
		}
		_, err = b.svc.ListDeliveries(quinn, connect.NewRequest(&tasksv1.ListDeliveriesRequest{IdOrRef: ref}))
		wantRefusal(t, err, connect.CodePermissionDenied, "id_or_ref", "NOT_TASK_PARTY")

		var steps []string
		for _, e := range b.events(t, cleo, ref) {
			steps = append(steps, strings.TrimPrefix(e.GetToStatus().String(), "TASK_STATUS_")+":"+e.GetNote())
		}
		want := []string{"OPEN:", "AWARDED:", "IN_PROGRESS:", "IN_PROGRESS:testing", "DELIVERED:",
			"IN_PROGRESS:Add CSV export", "DELIVERED:", "ACCEPTED:"}
		if !slices.Equal(steps, want) {
			t.Fatalf("timeline = %v, want %v", steps, want)
		}
		if got := b.kinds(t, cleoID); !slices.Contains(got, "task.delivered") || !slices.Contains(got, "task.sub_status") {
			t.Fatalf("client notifications = %v", got)
		}
		if got := b.kinds(t, patID); !slices.Contains(got, "task.accepted") || !slices.Contains(got, "task.changes_requested") {
			t.Fatalf("provider notifications = %v", got)
		}
	})
	t.Run("dispute", func(t *testing.T) {
		t.Parallel()
		task := award(t)
		ref := task.GetRef()
		_, err := b.svc.RaiseDispute(cleo, connect.NewRequest(&tasksv1.RaiseDisputeRequest{IdOrRef: ref, Reason: "No show"}))
		wantRefusal(t, err, connect.CodeFailedPrecondition, "status", "TRANSITION_NOT_ALLOWED")
		if _, err := b.svc.StartWork(pat, connect.NewRequest(&tasksv1.StartWorkRequest{IdOrRef: ref})); err != nil {
			t.Fatalf("StartWork: %v", err)
		}
		_, err = b.svc.RaiseDispute(quinn, connect.NewRequest(&tasksv1.RaiseDisputeRequest{IdOrRef: ref, Reason: "x"}))
		wantRefusal(t, err, connect.CodePermissionDenied, "id_or_ref", "NOT_TASK_PARTY")
		resp, err := b.svc.RaiseDispute(cleo, connect.NewRequest(&tasksv1.RaiseDisputeRequest{IdOrRef: ref, Reason: "Work stopped"}))
		if err != nil || resp.Msg.GetTask().GetStatus() != tasksv1.TaskStatus_TASK_STATUS_DISPUTED {
			t.Fatalf("RaiseDispute = %v, %v", resp, err)
		}
	})
	t.Run("my work lists the engagement", func(t *testing.T) {
		t.Parallel()
		task := award(t)
		resp, err := b.svc.ListMyWork(pat, connect.NewRequest(&tasksv1.ListMyWorkRequest{}))
		if err != nil {
			t.Fatalf("ListMyWork: %v", err)
		}
		if !slices.ContainsFunc(resp.Msg.GetEngagements(), func(e *tasksv1.Task) bool { return e.GetRef() == task.GetRef() }) {
			t.Fatalf("engagements = %v", resp.Msg.GetEngagements())
		}
	})
}

// TestPublishNotifiesMatched: a provider who proposed for a Go task is
// told when another Go task is published, and not about unrelated ones
// (issue 4 item 1).
func TestPublishNotifiesMatched(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cleo, _ := b.newUser(t, "Cleo", auth.RoleClient)
	pat, patID := b.newUser(t, "Pat", auth.RoleProvider)
	first := b.openTask(t, cleo)
	b.propose(t, pat, first.GetRef())

	other := validTask()
	other.SkillTags = []string{"figma"}
	b.create(t, cleo, other)
	if got := b.kinds(t, patID); slices.Contains(got, "task.matched") {
		t.Fatalf("told of an unrelated task: %v", got)
	}
	draft := validTask()
	draft.Draft = true
	d := b.create(t, cleo, draft)
	if _, err := b.svc.PublishTask(cleo, connect.NewRequest(&tasksv1.PublishTaskRequest{IdOrRef: d.GetRef()})); err != nil {
		t.Fatalf("PublishTask: %v", err)
	}
	if got := b.kinds(t, patID); !slices.Equal(got, []string{"task.matched"}) {
		t.Fatalf("notifications = %v, want one task.matched", got)
	}
}

// TestAttachments uploads files through presigned URLs with real HTTP PUTs
// to MinIO (issue 4 item 1): the allowed file is attached and can be
// downloaded; oversize, a wrong type, a body other than announced and a
// non-party are refused.
func TestAttachments(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.svc.blob = testenv.Blob(t)
	cleo, _ := b.newUser(t, "Cleo", auth.RoleClient)
	otto, _ := b.newUser(t, "Otto", auth.RoleClient)
	task := b.openTask(t, cleo)
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 1000)...)

	upload := func(t *testing.T, ctx context.Context, name, ct string, size int64, body []byte) (string, int) {
		t.Helper()
		resp, err := b.svc.CreateAttachmentUpload(ctx, connect.NewRequest(&tasksv1.CreateAttachmentUploadRequest{
			IdOrRef: task.GetRef(), FileName: name, ContentType: ct, SizeBytes: size,
		}))
		if err != nil {
			t.Fatalf("CreateAttachmentUpload: %v", err)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, resp.Msg.GetUploadUrl(), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range resp.Msg.GetUploadHeaders() {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("PUT: %v", err)
		}
		res.Body.Close()
		return resp.Msg.GetAttachmentId(), res.StatusCode
	}
	complete := func(ctx context.Context, id string) (*tasksv1.Attachment, error) {
		resp, err := b.svc.CompleteAttachmentUpload(ctx, connect.NewRequest(&tasksv1.CompleteAttachmentUploadRequest{AttachmentId: id}))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetAttachment(), nil
	}

	t.Run("allowed file", func(t *testing.T) {
		id, status := upload(t, cleo, "spec.pdf", "application/pdf", int64(len(pdf)), pdf)
		if status != http.StatusOK {
			t.Fatalf("PUT status = %d", status)
		}
		a, err := complete(cleo, id)
		if err != nil {
			t.Fatalf("CompleteAttachmentUpload: %v", err)
		}
		if a.GetSizeBytes() != int64(len(pdf)) || a.GetFileName() != "spec.pdf" {
			t.Fatalf("attachment = %v", a)
		}
		// Anyone who can see the open task lists and downloads it.
		list, err := b.svc.ListAttachments(context.Background(), connect.NewRequest(&tasksv1.ListAttachmentsRequest{IdOrRef: task.GetRef()}))
		if err != nil || len(list.Msg.GetAttachments()) != 1 {
			t.Fatalf("ListAttachments = %v, %v", list, err)
		}
		res, err := http.Get(list.Msg.GetAttachments()[0].GetDownloadUrl())
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Equal(got, pdf) {
			t.Fatalf("downloaded %d bytes, status %d", len(got), res.StatusCode)
		}
	})
	t.Run("declared too large", func(t *testing.T) {
		_, err := b.svc.CreateAttachmentUpload(cleo, connect.NewRequest(&tasksv1.CreateAttachmentUploadRequest{
			IdOrRef: task.GetRef(), FileName: "big.zip", ContentType: "application/zip", SizeBytes: MaxAttachmentBytes + 1,
		}))
		wantRefusal(t, err, connect.CodeInvalidArgument, "size_bytes", "FILE_TOO_LARGE")
	})
	t.Run("type not allowed", func(t *testing.T) {
		_, err := b.svc.CreateAttachmentUpload(cleo, connect.NewRequest(&tasksv1.CreateAttachmentUploadRequest{
			IdOrRef: task.GetRef(), FileName: "run.exe", ContentType: "application/x-msdownload", SizeBytes: 10,
		}))
		wantRefusal(t, err, connect.CodeInvalidArgument, "content_type", "FILE_TYPE_NOT_ALLOWED")
	})
	t.Run("body larger than announced", func(t *testing.T) {
		id, status := upload(t, cleo, "spec.pdf", "application/pdf", 100, pdf)
		if status == http.StatusOK {
			t.Fatal("MinIO took a body longer than the signed length")
		}
		_, err := complete(cleo, id)
		wantRefusal(t, err, connect.CodeFailedPrecondition, "attachment_id", "UPLOAD_MISSING")
	})
	t.Run("content is not the declared type", func(t *testing.T) {
		text := []byte("just text, not a PNG at all")
		id, status := upload(t, cleo, "shot.png", "image/png", int64(len(text)), text)
		if status != http.StatusOK {
			t.Fatalf("PUT status = %d", status)
		}
		_, err := complete(cleo, id)
		wantRefusal(t, err, connect.CodeInvalidArgument, "attachment_id", "UPLOAD_MISMATCH")
		_, err = complete(cleo, id)
		wantRefusal(t, err, connect.CodeNotFound, "attachment_id", "ATTACHMENT_NOT_FOUND")
	})
	t.Run("non-party refused", func(t *testing.T) {
		_, err := b.svc.CreateAttachmentUpload(otto, connect.NewRequest(&tasksv1.CreateAttachmentUploadRequest{
			IdOrRef: task.GetRef(), FileName: "x.pdf", ContentType: "application/pdf", SizeBytes: 10,
		}))
		wantRefusal(t, err, connect.CodePermissionDenied, "id_or_ref", "NOT_TASK_PARTY")
	})
}
