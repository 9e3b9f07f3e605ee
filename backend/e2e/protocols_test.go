package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/badrequest"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// TestSkeletonOverEveryProtocol walks the skeleton through the edge with the
// generated clients, as a mini-program or native app would (ARCH-2): sign up,
// log in with a bearer token, post a task, find it in the list, and have bad
// input refused with field details and nothing saved.
func TestSkeletonOverEveryProtocol(t *testing.T) {
	needPlatform(t)
	protocols := []struct {
		name string
		opts []connect.ClientOption
	}{
		{"connect", nil},
		{"connect-json", []connect.ClientOption{connect.WithProtoJSON()}},
		{"grpc", []connect.ClientOption{connect.WithGRPC()}},
		{"grpc-web", []connect.ClientOption{connect.WithGRPCWeb()}},
	}
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url, p.opts...)
			tasks := tasksv1connect.NewTaskServiceClient(platform.client, platform.url, p.opts...)

			email := "e2e-" + p.name + "-" + randomHex(t) + "@example.com"
			signUp := &identityv1.SignUpRequest{
				Email: email, Password: "correct horse battery", DisplayName: "E2E " + p.name,
				ConsentVersion: "2026-11", WantBearerToken: true,
			}
			if _, err := identity.SignUp(ctx, connect.NewRequest(signUp)); err != nil {
				t.Fatalf("SignUp: %v", err)
			}
			// The same email again is refused, saying which field is wrong.
			_, err := identity.SignUp(ctx, connect.NewRequest(signUp))
			if got := connect.CodeOf(err); got != connect.CodeAlreadyExists {
				t.Fatalf("second SignUp: code %v (%v), want already_exists", got, err)
			}
			if got := violations(err); got["email"] != "EMAIL_TAKEN" {
				t.Fatalf("second SignUp: violations %v, want email EMAIL_TAKEN", got)
			}

			login, err := identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{
				Email: email, Password: "correct horse battery", WantBearerToken: true,
			}))
			if err != nil {
				t.Fatalf("LogIn: %v", err)
			}
			token := login.Msg.GetBearerToken()
			if token == "" {
				t.Fatal("LogIn returned no bearer token")
			}
			_, err = identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: "wrong password!!"}))
			if got := connect.CodeOf(err); got != connect.CodeUnauthenticated {
				t.Fatalf("LogIn with a wrong password: code %v, want unauthenticated", got)
			}

			me := connect.NewRequest(&identityv1.GetMeRequest{})
			me.Header().Set("Authorization", "Bearer "+token)
			meRes, err := identity.GetMe(ctx, me)
			if err != nil {
				t.Fatalf("GetMe: %v", err)
			}
			if meRes.Msg.GetUser().GetEmail() != email {
				t.Fatalf("GetMe: email %q, want %q", meRes.Msg.GetUser().GetEmail(), email)
			}

			tomorrow := time.Now().In(shanghai(t)).AddDate(0, 0, 1).Format(time.DateOnly)
			yesterday := time.Now().In(shanghai(t)).AddDate(0, 0, -2).Format(time.DateOnly)
			bad := []struct {
				name  string
				req   *tasksv1.CreateTaskRequest
				field string
				code  string
			}{
				{"empty title", &tasksv1.CreateTaskRequest{Title: " ", BudgetMinFen: 100000, BudgetMaxFen: 200000, DeliveryDate: tomorrow, SkillTags: []string{"go"}}, "title", "REQUIRED"},
				{"min above max", &tasksv1.CreateTaskRequest{Title: "A task", BudgetMinFen: 300000, BudgetMaxFen: 200000, DeliveryDate: tomorrow, SkillTags: []string{"go"}}, "budget_min_fen", "BUDGET_MIN_ABOVE_MAX"},
				{"date in the past", &tasksv1.CreateTaskRequest{Title: "A task", BudgetMinFen: 100000, BudgetMaxFen: 200000, DeliveryDate: yesterday, SkillTags: []string{"go"}}, "delivery_date", "DATE_IN_PAST"},
			}
			for _, b := range bad {
				req := connect.NewRequest(b.req)
				req.Header().Set("Authorization", "Bearer "+token)
				_, err := tasks.CreateTask(ctx, req)
				if got := connect.CodeOf(err); got != connect.CodeInvalidArgument {
					t.Fatalf("CreateTask with %s: code %v (%v), want invalid_argument", b.name, got, err)
				}
				if got := violations(err); got[b.field] != b.code {
					t.Fatalf("CreateTask with %s: violations %v, want %s %s", b.name, got, b.field, b.code)
				}
			}
			if n := len(myTasks(ctx, t, tasks, token)); n != 0 {
				t.Fatalf("after refused input the client has %d tasks, want 0", n)
			}

			title := "E2E task over " + p.name + " 数据迁移"
			create := connect.NewRequest(&tasksv1.CreateTaskRequest{
				Title: title, Description: "Move **everything**.", BudgetMinFen: 500000, BudgetMaxFen: 800000,
				DeliveryDate: tomorrow, SkillTags: []string{"Go", "PostgreSQL"}, RequestId: randomHex(t),
				TaskType: tasksv1.TaskType_TASK_TYPE_DATABASE_OPS, Remote: true,
			})
			create.Header().Set("Authorization", "Bearer "+token)
			created, err := tasks.CreateTask(ctx, create)
			if err != nil {
				t.Fatalf("CreateTask: %v", err)
			}
			if got := created.Msg.GetTask().GetRef(); len(got) != len("T-000000") || got[:2] != "T-" {
				t.Fatalf("CreateTask: ref %q, want T-NNNNNN", got)
			}
			// The public list, anonymous, shows it.
			list, err := tasks.ListTasks(ctx, connect.NewRequest(&tasksv1.ListTasksRequest{PageSize: 100}))
			if err != nil {
				t.Fatalf("ListTasks: %v", err)
			}
			found := false
			for _, task := range list.Msg.GetTasks() {
				if task.GetId() == created.Msg.GetTask().GetId() {
					found = task.GetTitle() == title && task.GetClientDisplayName() == "E2E "+p.name
				}
			}
			if !found {
				t.Fatalf("ListTasks does not show the new task %q with its client's name", title)
			}
			if n := len(myTasks(ctx, t, tasks, token)); n != 1 {
				t.Fatalf("the client has %d tasks, want 1", n)
			}
		})
	}
}

// myTasks lists the tasks of the client whose bearer token is given.
func myTasks(ctx context.Context, t *testing.T, tasks tasksv1connect.TaskServiceClient, token string) []*tasksv1.Task {
	t.Helper()
	req := connect.NewRequest(&tasksv1.ListTasksRequest{Mine: true, PageSize: 100})
	req.Header().Set("Authorization", "Bearer "+token)
	res, err := tasks.ListTasks(ctx, req)
	if err != nil {
		t.Fatalf("ListTasks(mine): %v", err)
	}
	return res.Msg.GetTasks()
}

// violations returns field → reason from the google.rpc.BadRequest detail of
// a Connect error.
func violations(err error) map[string]string {
	out := map[string]string{}
	for _, v := range badrequest.FromError(err) {
		out[v.Field] = v.Reason
	}
	return out
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
