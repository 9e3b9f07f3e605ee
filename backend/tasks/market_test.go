package tasks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// setStatus forces a task into a status, as the flows that come later
// (award, delivery) will; it records nothing.
func (b bundle) setStatus(t *testing.T, id, status string) {
	t.Helper()
	if _, err := b.db.Primary.Exec(t.Context(), "UPDATE tasks SET status = $1 WHERE id = $2", status, id); err != nil {
		t.Fatalf("set status %s: %v", status, err)
	}
}

// move makes a transition as party by, through the same path the RPCs use.
func (b bundle) move(ctx context.Context, id string, by party, actor string, to string) error {
	_, err := b.svc.change(ctx, uuid.MustParse(id), 0, func(q *db.Queries, task db.Task) error {
		return transitionTask(ctx, q, task, by, uuid.MustParse(actor), to, "")
	})
	return err
}

// search lists every page of a search and returns the tasks' titles.
func (b bundle) search(t *testing.T, ctx context.Context, req *tasksv1.ListTasksRequest) []string {
	t.Helper()
	var titles []string
	for range 100 {
		resp, err := b.svc.ListTasks(ctx, connect.NewRequest(req))
		if err != nil {
			t.Fatalf("ListTasks(%v): %v", req, err)
		}
		for _, task := range resp.Msg.GetTasks() {
			titles = append(titles, task.GetTitle())
		}
		if resp.Msg.GetNextPageToken() == "" {
			return titles
		}
		req.PageToken = resp.Msg.GetNextPageToken()
	}
	t.Fatal("ListTasks never ends")
	return nil
}

// TestSearch checks finding work (TASK-1, issue 4 item 2): substring search
// that finds two-character Chinese words, and every filter.
func TestSearch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dan, _ := b.newUser(t, "Dan", auth.RoleClient)
	eve, _ := b.newUser(t, "Eve", auth.RoleClient)

	type spec struct {
		ctx      context.Context
		title    string
		desc     string
		tags     []string
		typ      tasksv1.TaskType
		city     string
		min, max int64 // yuan
		due      string
		status   string // "" for open
	}
	specs := []spec{
		{dan, "大数据平台开发", "基于 Spark 的离线计算", []string{"java"}, tasksv1.TaskType_TASK_TYPE_DATA_ANALYSIS, "", 10000, 20000, "2030-08-01", ""},
		{dan, "Go backend for orders", "REST API, 100% tested", []string{"golang", "postgres"}, tasksv1.TaskType_TASK_TYPE_BACK_END, "", 5000, 8000, "2030-07-01", ""},
		{eve, "数据库迁移", "从 MySQL 迁到 PostgreSQL", []string{"mysql", "postgresql"}, tasksv1.TaskType_TASK_TYPE_DATABASE_OPS, "上海", 3000, 4000, "2030-07-10", ""},
		{eve, "前端页面改版", "Vue 3 and a new design", []string{"vue"}, tasksv1.TaskType_TASK_TYPE_FRONT_END, "北京", 2000, 2500, "2030-09-01", ""},
		{eve, "已关闭的数据任务", "old", []string{"go"}, tasksv1.TaskType_TASK_TYPE_OTHER, "", 1000, 1000, "2030-07-01", statusClosed},
		{dan, "草稿数据任务", "draft", []string{"go"}, tasksv1.TaskType_TASK_TYPE_OTHER, "", 1000, 1000, "2030-07-01", statusDraft},
	}
	for _, sp := range specs {
		m := validTask()
		m.Title, m.Description, m.SkillTags, m.TaskType = sp.title, sp.desc, sp.tags, sp.typ
		m.Remote, m.City = sp.city == "", sp.city
		m.BudgetMinFen, m.BudgetMaxFen, m.DeliveryDate = sp.min*100, sp.max*100, sp.due
		m.Draft = sp.status == statusDraft
		task := b.create(t, sp.ctx, m)
		if sp.status == statusClosed {
			b.setStatus(t, task.GetId(), statusClosed)
		}
	}

	const (
		bigData  = "大数据平台开发"
		goAPI    = "Go backend for orders"
		migrate  = "数据库迁移"
		frontEnd = "前端页面改版"
		closed   = "已关闭的数据任务"
		draft    = "草稿数据任务"
	)
	anon := t.Context()
	tests := []struct {
		name string
		ctx  context.Context
		req  *tasksv1.ListTasksRequest
		want []string // in any order
	}{
		{"all open", anon, &tasksv1.ListTasksRequest{}, []string{bigData, goAPI, migrate, frontEnd}},
		{"two-character Chinese word", anon, &tasksv1.ListTasksRequest{Query: "数据"}, []string{bigData, migrate}},
		{"Chinese word at the end", anon, &tasksv1.ListTasksRequest{Query: "迁移"}, []string{migrate}},
		{"English word any case", anon, &tasksv1.ListTasksRequest{Query: "go"}, []string{goAPI}},
		{"in the description", anon, &tasksv1.ListTasksRequest{Query: "spark"}, []string{bigData}},
		{"in the tags, normalised", anon, &tasksv1.ListTasksRequest{Query: "postgresql"}, []string{goAPI, migrate}},
		{"every word must match", anon, &tasksv1.ListTasksRequest{Query: "数据 mysql"}, []string{migrate}},
		{"percent is literal", anon, &tasksv1.ListTasksRequest{Query: "100%"}, []string{goAPI}},
		{"underscore is literal", anon, &tasksv1.ListTasksRequest{Query: "_"}, nil},
		{"no match", anon, &tasksv1.ListTasksRequest{Query: "区块链"}, nil},
		{"type", anon, &tasksv1.ListTasksRequest{TaskTypes: []tasksv1.TaskType{tasksv1.TaskType_TASK_TYPE_BACK_END, tasksv1.TaskType_TASK_TYPE_FRONT_END}}, []string{goAPI, frontEnd}},
		{"budget overlaps", anon, &tasksv1.ListTasksRequest{BudgetMinFen: 400000, BudgetMaxFen: 600000}, []string{goAPI, migrate}},
		{"budget at least", anon, &tasksv1.ListTasksRequest{BudgetMinFen: 900000}, []string{bigData}},
		{"skills any, by synonym", anon, &tasksv1.ListTasksRequest{SkillTags: []string{"postgres", "vue"}}, []string{goAPI, migrate, frontEnd}},
		{"skills all", anon, &tasksv1.ListTasksRequest{SkillTags: []string{"postgresql", "mysql"}, AllSkills: true}, []string{migrate}},
		{"city", anon, &tasksv1.ListTasksRequest{City: "上海"}, []string{migrate}},
		{"remote", anon, &tasksv1.ListTasksRequest{RemoteOnly: true}, []string{bigData, goAPI}},
		{"remote or city", anon, &tasksv1.ListTasksRequest{RemoteOnly: true, City: "北京"}, []string{bigData, goAPI, frontEnd}},
		{"delivery range", anon, &tasksv1.ListTasksRequest{DeliveryFrom: "2030-07-02", DeliveryTo: "2030-08-01"}, []string{bigData, migrate}},
		{"posted today in China", anon, &tasksv1.ListTasksRequest{PostedFrom: "2000-01-01", PostedTo: "2999-12-31"}, []string{bigData, goAPI, migrate, frontEnd}},
		{"posted later", anon, &tasksv1.ListTasksRequest{PostedFrom: "2999-01-01"}, nil},
		{"closed on request", anon, &tasksv1.ListTasksRequest{Query: "数据", Statuses: []tasksv1.TaskStatus{tasksv1.TaskStatus_TASK_STATUS_CLOSED}}, []string{closed}},
		{"drafts never public", eve, &tasksv1.ListTasksRequest{Statuses: []tasksv1.TaskStatus{tasksv1.TaskStatus_TASK_STATUS_DRAFT}}, nil},
		{"drafts not even to their client outside mine", dan, &tasksv1.ListTasksRequest{Query: "草稿"}, nil},
		{"mine lists every state", dan, &tasksv1.ListTasksRequest{Mine: true, Query: "数据"}, []string{bigData, draft}},
		{"mine of another client", eve, &tasksv1.ListTasksRequest{Mine: true, Query: "数据"}, []string{migrate, closed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.req.PageSize = 2
			got := b.search(t, tt.ctx, tt.req)
			slices.Sort(got)
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("found %q, want %q", got, tt.want)
			}
		})
	}

	errs := []struct {
		name string
		req  *tasksv1.ListTasksRequest
		want map[string]string
	}{
		{"bad date", &tasksv1.ListTasksRequest{DeliveryFrom: "2030-13-01"}, map[string]string{"delivery_from": "DATE_INVALID"}},
		{"budget upside down", &tasksv1.ListTasksRequest{BudgetMinFen: 2, BudgetMaxFen: 1}, map[string]string{"budget_min_fen": "BUDGET_MIN_ABOVE_MAX"}},
		{"unknown type", &tasksv1.ListTasksRequest{TaskTypes: []tasksv1.TaskType{99}}, map[string]string{"task_types": "TASK_TYPE_INVALID"}},
		{"unknown sort", &tasksv1.ListTasksRequest{Sort: 99}, map[string]string{"sort": "SORT_INVALID"}},
		{"too many words", &tasksv1.ListTasksRequest{Query: "a b c d e f g h i"}, map[string]string{"query": "QUERY_TOO_LONG"}},
		{
			"token of another sort",
			&tasksv1.ListTasksRequest{Sort: tasksv1.TaskSort_TASK_SORT_BUDGET_LOW, PageToken: encodePageToken(cursor{sort: tasksv1.TaskSort_TASK_SORT_NEWEST})},
			map[string]string{"page_token": "PAGE_TOKEN_INVALID"},
		},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.svc.ListTasks(anon, connect.NewRequest(tt.req))
			if got := connectCode(t, err); got != connect.CodeInvalidArgument {
				t.Fatalf("code = %v, want invalid_argument (err %v)", got, err)
			}
			if got := fieldReasons(t, err); !maps.Equal(got, tt.want) {
				t.Fatalf("violations = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSortPagination checks that every sort pages through all tasks in
// order, with ties broken by id, whatever the page size.
func TestSortPagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dan, _ := b.newUser(t, "Dan", auth.RoleClient)
	// Budgets and dates repeat, so ties must be broken by id.
	for i := range 9 {
		m := validTask()
		m.Title = fmt.Sprintf("Task %d", i)
		m.BudgetMinFen = int64(10000 * (1 + i%3))
		m.BudgetMaxFen = int64(10000 * (3 + i%4))
		m.DeliveryDate = fmt.Sprintf("2030-07-%02d", 1+i%5)
		b.create(t, dan, m)
	}
	tests := []struct {
		sort  tasksv1.TaskSort
		order string
	}{
		{tasksv1.TaskSort_TASK_SORT_UNSPECIFIED, "create_time DESC, id DESC"},
		{tasksv1.TaskSort_TASK_SORT_NEWEST, "create_time DESC, id DESC"},
		{tasksv1.TaskSort_TASK_SORT_BUDGET_HIGH, "budget_max_fen DESC, id DESC"},
		{tasksv1.TaskSort_TASK_SORT_BUDGET_LOW, "budget_min_fen, id"},
		{tasksv1.TaskSort_TASK_SORT_DELIVERY_SOONEST, "delivery_date, id"},
	}
	for _, tt := range tests {
		for _, size := range []int32{1, 2, 4, 9, 10} {
			t.Run(fmt.Sprintf("%s/%d", tt.sort, size), func(t *testing.T) {
				t.Parallel()
				rows, err := b.db.Primary.Query(t.Context(), "SELECT title FROM tasks ORDER BY "+tt.order)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					want = append(want, s)
				}
				got := b.search(t, t.Context(), &tasksv1.ListTasksRequest{Sort: tt.sort, PageSize: size})
				if !slices.Equal(got, want) {
					t.Fatalf("order = %q, want %q", got, want)
				}
			})
		}
	}
}
