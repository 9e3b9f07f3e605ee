package tasks

import (
	"context"
	"maps"
	"slices"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

var allStatuses = []string{statusDraft, statusOpen, statusAwarded, statusInProgress, statusDelivered,
	statusAccepted, statusClosed, statusCancelled, statusDisputed}

// TestTransitions walks the life of a task (issue 4 item 4) through the
// same path the RPCs take: every pair of states for every party is either
// in the table, and then changes the task and is recorded, or refused
// with FAILED_PRECONDITION and the TRANSITION_NOT_ALLOWED reason.
func TestTransitions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	client, clientID := b.newUser(t, "Cleo", auth.RoleClient)
	_, providerID := b.newUser(t, "Pat", auth.RoleProvider)

	allowed := map[[2]string][]party{}
	for _, tr := range transitions {
		allowed[[2]string{tr.from, tr.to}] = tr.by
	}
	// A few rows spelled out, so that a wrong table cannot pass by itself.
	for _, must := range []struct {
		from, to string
		by       party
	}{
		{statusDraft, statusOpen, partyClient},
		{statusOpen, statusClosed, partyClient},
		{statusOpen, statusCancelled, partyClient},
		{statusAwarded, statusInProgress, partyProvider},
		{statusInProgress, statusDelivered, partyProvider},
		{statusDelivered, statusAccepted, partyClient},
		{statusDelivered, statusInProgress, partyClient},
		{statusAccepted, statusClosed, partyClient},
		{statusDisputed, statusCancelled, partyAdmin},
	} {
		if !slices.Contains(allowed[[2]string{must.from, must.to}], must.by) {
			t.Errorf("the table does not let the %s move a task from %s to %s", must.by, must.from, must.to)
		}
	}

	for _, from := range allStatuses {
		for _, to := range allStatuses {
			for _, by := range []party{partyClient, partyProvider, partyAdmin} {
				t.Run(from+"->"+to+"/"+string(by), func(t *testing.T) {
					t.Parallel()
					m := validTask()
					m.Draft = true
					task := b.create(t, client, m)
					b.setStatus(t, task.GetId(), from)
					actor := clientID
					if by == partyProvider {
						actor = providerID
					}
					err := b.move(client, task.GetId(), by, actor, to)
					want := slices.Contains(allowed[[2]string{from, to}], by)
					if want {
						if err != nil {
							t.Fatalf("refused: %v", err)
						}
						got := b.get(t, client, task.GetRef())
						if got.GetStatus() != statusToProto(to) {
							t.Fatalf("status = %v, want %s", got.GetStatus(), to)
						}
						events := b.events(t, client, task.GetRef())
						last := events[len(events)-1]
						if last.GetFromStatus() != statusToProto(from) || last.GetToStatus() != statusToProto(to) || last.GetActorId() != actor {
							t.Fatalf("last event = %v", last)
						}
						return
					}
					err = connectError(err)
					if got := connectCode(t, err); got != connect.CodeFailedPrecondition {
						t.Fatalf("code = %v, want failed_precondition (err %v)", got, err)
					}
					if got := fieldReasons(t, err); !maps.Equal(got, map[string]string{"status": "TRANSITION_NOT_ALLOWED"}) {
						t.Fatalf("violations = %v", got)
					}
				})
			}
		}
	}
}

func (b bundle) get(t *testing.T, ctx context.Context, ref string) *tasksv1.Task {
	t.Helper()
	resp, err := b.svc.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: ref}))
	if err != nil {
		t.Fatalf("GetTask(%s): %v", ref, err)
	}
	return resp.Msg.GetTask()
}

func (b bundle) events(t *testing.T, ctx context.Context, ref string) []*tasksv1.TaskEvent {
	t.Helper()
	resp, err := b.svc.ListTaskEvents(ctx, connect.NewRequest(&tasksv1.ListTaskEventsRequest{IdOrRef: ref}))
	if err != nil {
		t.Fatalf("ListTaskEvents(%s): %v", ref, err)
	}
	return resp.Msg.GetEvents()
}

// TestClientActions drives the client's own changes through the RPCs:
// draft, edit, publish, close, cancel, who may make them, and the timeline
// they leave (TASK-1, issue 4 items 1 and 4).
func TestClientActions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cleo, cleoID := b.newUser(t, "Cleo", auth.RoleClient)
	other, _ := b.newUser(t, "Otto", auth.RoleClient)
	provider, _ := b.newUser(t, "Pat", auth.RoleProvider)
	su := newStepUps(t, b)
	b.svc.stepUp = su.svc
	su.enrol(t, b, cleo, cleoID)

	t.Run("draft, edit, publish, close", func(t *testing.T) {
		t.Parallel()
		m := validTask()
		m.Draft = true
		task := b.create(t, cleo, m)
		if task.GetStatus() != tasksv1.TaskStatus_TASK_STATUS_DRAFT {
			t.Fatalf("status = %v, want draft", task.GetStatus())
		}
		// Nobody else sees a draft.
		for _, ctx := range []context.Context{t.Context(), other} {
			_, err := b.svc.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: task.GetRef()}))
			if got := connectCode(t, err); got != connect.CodeNotFound {
				t.Fatalf("GetTask of another's draft: code = %v, want not_found", got)
			}
		}
		edit := &tasksv1.UpdateTaskRequest{
			IdOrRef: task.GetRef(), Title: "数据迁移到云端", Description: "迁移 **三个** 库",
			BudgetMinFen: 20000, BudgetMaxFen: 30000, DeliveryDate: "2030-08-01",
			SkillTags: []string{"k8s"}, TaskType: tasksv1.TaskType_TASK_TYPE_DEVOPS, City: " 深圳 ",
		}
		up, err := b.svc.UpdateTask(cleo, connect.NewRequest(edit))
		if err != nil {
			t.Fatalf("UpdateTask: %v", err)
		}
		got := up.Msg.GetTask()
		if got.GetTitle() != "数据迁移到云端" || got.GetCity() != "深圳" || got.GetRemote() ||
			got.GetTaskType() != tasksv1.TaskType_TASK_TYPE_DEVOPS || !slices.Equal(got.GetSkillTags(), []string{"kubernetes"}) {
			t.Fatalf("edited task = %v", got)
		}
		if _, err := b.svc.PublishTask(cleo, connect.NewRequest(&tasksv1.PublishTaskRequest{IdOrRef: task.GetRef()})); err != nil {
			t.Fatalf("PublishTask: %v", err)
		}
		// Published, the edit is searchable.
		if found := b.search(t, t.Context(), &tasksv1.ListTasksRequest{Query: "云端"}); !slices.Equal(found, []string{"数据迁移到云端"}) {
			t.Fatalf("search after edit = %q", found)
		}
		if _, err := b.svc.CloseTask(other, connect.NewRequest(&tasksv1.CloseTaskRequest{IdOrRef: task.GetRef()})); connectCode(t, err) != connect.CodePermissionDenied {
			t.Fatalf("CloseTask by another client: %v, want permission_denied", err)
		}
		closed, err := b.svc.CloseTask(cleo, connect.NewRequest(&tasksv1.CloseTaskRequest{IdOrRef: task.GetId(), Note: "found someone"}))
		if err != nil {
			t.Fatalf("CloseTask: %v", err)
		}
		if closed.Msg.GetTask().GetStatus() != tasksv1.TaskStatus_TASK_STATUS_CLOSED {
			t.Fatalf("status = %v, want closed", closed.Msg.GetTask().GetStatus())
		}
		// Closed, it can be neither edited nor cancelled.
		_, err = b.svc.UpdateTask(cleo, connect.NewRequest(edit))
		if code, rs := connectCode(t, err), fieldReasons(t, err); code != connect.CodeFailedPrecondition || rs["status"] != "TASK_NOT_EDITABLE" {
			t.Fatalf("UpdateTask of a closed task: %v %v", code, rs)
		}
		_, err = b.svc.CancelTask(cleo, connect.NewRequest(&tasksv1.CancelTaskRequest{IdOrRef: task.GetRef()}))
		if code, rs := connectCode(t, err), fieldReasons(t, err); code != connect.CodeFailedPrecondition || rs["status"] != "TRANSITION_NOT_ALLOWED" {
			t.Fatalf("CancelTask of a closed task: %v %v", code, rs)
		}

		// The timeline, seen by anyone now the task is public.
		events := b.events(t, t.Context(), task.GetRef())
		type step struct {
			from, to tasksv1.TaskStatus
			note     string
		}
		var steps []step
		for _, e := range events {
			if e.GetActorId() != cleoID || e.GetActorDisplayName() != "Cleo" || e.GetCreateTime() == nil {
				t.Fatalf("event = %v", e)
			}
			steps = append(steps, step{e.GetFromStatus(), e.GetToStatus(), e.GetNote()})
		}
		want := []step{
			{tasksv1.TaskStatus_TASK_STATUS_UNSPECIFIED, tasksv1.TaskStatus_TASK_STATUS_DRAFT, ""},
			{tasksv1.TaskStatus_TASK_STATUS_DRAFT, tasksv1.TaskStatus_TASK_STATUS_OPEN, ""},
			{tasksv1.TaskStatus_TASK_STATUS_OPEN, tasksv1.TaskStatus_TASK_STATUS_CLOSED, "found someone"},
		}
		if !slices.Equal(steps, want) {
			t.Fatalf("timeline = %v, want %v", steps, want)
		}
	})

	t.Run("cancel an open task", func(t *testing.T) {
		t.Parallel()
		task := b.create(t, cleo, validTask())
		su.stepUp(t, cleo, cleoID, task.GetId()) // ID-4: TestCancelNeedsStepUp
		resp, err := b.svc.CancelTask(cleo, connect.NewRequest(&tasksv1.CancelTaskRequest{IdOrRef: task.GetRef()}))
		if err != nil || resp.Msg.GetTask().GetStatus() != tasksv1.TaskStatus_TASK_STATUS_CANCELLED {
			t.Fatalf("CancelTask = %v, %v", resp, err)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		t.Parallel()
		task := b.create(t, cleo, validTask())
		mDraft := validTask()
		mDraft.Draft = true
		draft := b.create(t, cleo, mDraft)
		edit := &tasksv1.UpdateTaskRequest{IdOrRef: task.GetRef()}
		tests := []struct {
			name string
			call func() error
			want connect.Code
		}{
			{"edit by another client", func() error {
				m := validTask()
				_, err := b.svc.UpdateTask(other, connect.NewRequest(&tasksv1.UpdateTaskRequest{
					IdOrRef: task.GetRef(), Title: m.Title, BudgetMinFen: m.BudgetMinFen, BudgetMaxFen: m.BudgetMaxFen,
					DeliveryDate: m.DeliveryDate, SkillTags: m.SkillTags, TaskType: m.TaskType, Remote: true,
				}))
				return err
			}, connect.CodePermissionDenied},
			{"edit with bad fields", func() error { _, err := b.svc.UpdateTask(cleo, connect.NewRequest(edit)); return err }, connect.CodeInvalidArgument},
			{"edit by a provider", func() error { _, err := b.svc.UpdateTask(provider, connect.NewRequest(edit)); return err }, connect.CodePermissionDenied},
			{"publish an open task", func() error {
				_, err := b.svc.PublishTask(cleo, connect.NewRequest(&tasksv1.PublishTaskRequest{IdOrRef: task.GetRef()}))
				return err
			}, connect.CodeFailedPrecondition},
			{"close a draft", func() error {
				_, err := b.svc.CloseTask(cleo, connect.NewRequest(&tasksv1.CloseTaskRequest{IdOrRef: draft.GetRef()}))
				return err
			}, connect.CodeFailedPrecondition},
			{"publish another's draft", func() error {
				_, err := b.svc.PublishTask(other, connect.NewRequest(&tasksv1.PublishTaskRequest{IdOrRef: draft.GetRef()}))
				return err
			}, connect.CodeNotFound},
			{"cancel unknown", func() error {
				_, err := b.svc.CancelTask(cleo, connect.NewRequest(&tasksv1.CancelTaskRequest{IdOrRef: "T-999999"}))
				return err
			}, connect.CodeNotFound},
			{"cancel anonymously", func() error {
				_, err := b.svc.CancelTask(t.Context(), connect.NewRequest(&tasksv1.CancelTaskRequest{IdOrRef: task.GetRef()}))
				return err
			}, connect.CodeUnauthenticated},
			{"note too long", func() error {
				_, err := b.svc.CloseTask(cleo, connect.NewRequest(&tasksv1.CloseTaskRequest{IdOrRef: task.GetRef(), Note: string(make([]byte, 501))}))
				return err
			}, connect.CodeInvalidArgument},
			{"events of a bad ref", func() error {
				_, err := b.svc.ListTaskEvents(cleo, connect.NewRequest(&tasksv1.ListTaskEventsRequest{IdOrRef: "X-1"}))
				return err
			}, connect.CodeInvalidArgument},
			{"events of another's draft", func() error {
				_, err := b.svc.ListTaskEvents(other, connect.NewRequest(&tasksv1.ListTaskEventsRequest{IdOrRef: draft.GetRef()}))
				return err
			}, connect.CodeNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := connectCode(t, tt.call()); got != tt.want {
					t.Fatalf("code = %v, want %v", got, tt.want)
				}
			})
		}
		// The refusals changed nothing.
		if got := b.get(t, cleo, task.GetRef()).GetStatus(); got != tasksv1.TaskStatus_TASK_STATUS_OPEN {
			t.Fatalf("status = %v, want open", got)
		}
	})
}
