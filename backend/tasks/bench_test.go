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
	// Statistics, as autovacuum keeps them in production; without them the
	// planner guesses a handful of rows and sorts instead of using the index.
	if _, err := bb.db.Primary.Exec(ctx, "ANALYZE tasks"); err != nil {
		b.Fatal(err)
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

// BenchmarkSearchTasks measures one page of search results over 5,000 open
// tasks, half with Chinese titles (issue 4, finding work): a two-character
// Chinese word (no trigram: the filtered rows are scanned), a longer
// Chinese phrase, an English word, and a filtered sort by budget.
func BenchmarkSearchTasks(b *testing.B) {
	bb := setup(b)
	ctx, clientID := bb.newUser(b, "Bench Client", "client")
	if _, err := bb.db.Primary.Exec(ctx, `
		INSERT INTO tasks (ref_no, client_id, title, description, budget_min_fen, budget_max_fen, delivery_date,
		                   skill_tags, status, create_time, task_type, search_text)
		SELECT nextval('task_ref_no_seq'), $1, x.title, x.title || ' 描述 description ' || i,
		       10000 * (1 + i % 50), 10000 * (51 + i % 50), DATE '2030-07-01' + (i % 90),
		       ARRAY['go', 'postgresql'], 'open', now() - make_interval(secs => i),
		       CASE WHEN i % 2 = 0 THEN 'back_end' ELSE 'database_ops' END,
		       lower(x.title || E'\n' || 'go postgresql' || E'\n' || x.title || ' 描述 description ' || i)
		FROM generate_series(1, 5000) AS i,
		     LATERAL (SELECT CASE i % 4 WHEN 0 THEN '大数据平台开发 ' || i WHEN 1 THEN '数据库迁移 ' || i
		                              WHEN 2 THEN 'Go backend service ' || i ELSE 'Vue front end ' || i END AS title) x`,
		clientID); err != nil {
		b.Fatalf("seed tasks: %v", err)
	}
	if _, err := bb.db.Primary.Exec(ctx, "ANALYZE tasks"); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		req  *tasksv1.ListTasksRequest
		want int
	}{
		{"chinese-2-chars", &tasksv1.ListTasksRequest{Query: "数据"}, 20},
		{"chinese-5-chars", &tasksv1.ListTasksRequest{Query: "数据库迁移"}, 20},
		{"english-word", &tasksv1.ListTasksRequest{Query: "backend"}, 20},
		// A word no task holds: every open task is read.
		{"chinese-2-chars-no-match", &tasksv1.ListTasksRequest{Query: "区块"}, 0},
		{"filtered-budget-high", &tasksv1.ListTasksRequest{
			TaskTypes: []tasksv1.TaskType{tasksv1.TaskType_TASK_TYPE_BACK_END}, BudgetMinFen: 600000,
			Sort: tasksv1.TaskSort_TASK_SORT_BUDGET_HIGH,
		}, 20},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bc.req.PageSize = 20
			b.ReportAllocs()
			for b.Loop() {
				res, err := bb.svc.ListTasks(ctx, connect.NewRequest(bc.req))
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Msg.GetTasks()) != bc.want {
					b.Fatalf("got %d tasks, want %d", len(res.Msg.GetTasks()), bc.want)
				}
			}
		})
	}
}
