package tasks

import (
	"testing"

	"connectrpc.com/connect"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// BenchmarkCreateTask measures posting a task (TASK-1): validation, the
// insert and building the response, against the real Postgres of testenv.
func BenchmarkCreateTask(b *testing.B) {
	bb := setup(b)
	ctx, _ := bb.newUser(b, "Bench Client", "client")
	req := validTask()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bb.svc.CreateTask(ctx, connect.NewRequest(req)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListTasks measures one page of the public task list over 5,000
// tasks, first page and a page deep into the list (cursor pagination keeps
// both on the index).
func BenchmarkListTasks(b *testing.B) {
	bb := setup(b)
	ctx, clientID := bb.newUser(b, "Bench Client", "client")
	if _, err := bb.db.Primary.Exec(ctx, `
		INSERT INTO tasks (ref_no, client_id, title, description, budget_min_fen, budget_max_fen, delivery_date, skill_tags, status, create_time)
		SELECT nextval('task_ref_no_seq'), $1, 'Task ' || i, 'Description ' || i, 100000, 200000, DATE '2030-07-01',
		       ARRAY['go', 'postgresql'], 'open', now() - make_interval(secs => i)
		FROM generate_series(1, 5000) AS i`, clientID); err != nil {
		b.Fatalf("seed tasks: %v", err)
	}
	// A token for page 100: walk there once.
	deep := ""
	for range 100 {
		res, err := bb.svc.ListTasks(ctx, connect.NewRequest(&tasksv1.ListTasksRequest{PageSize: 20, PageToken: deep}))
		if err != nil {
			b.Fatal(err)
		}
		deep = res.Msg.GetNextPageToken()
	}
	for _, bc := range []struct {
		name  string
		token string
	}{{"first-page", ""}, {"page-100", deep}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := bb.svc.ListTasks(ctx, connect.NewRequest(&tasksv1.ListTasksRequest{PageSize: 20, PageToken: bc.token}))
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Msg.GetTasks()) != 20 {
					b.Fatalf("got %d tasks, want 20", len(res.Msg.GetTasks()))
				}
			}
		})
	}
}
