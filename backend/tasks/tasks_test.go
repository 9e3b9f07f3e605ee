package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/testenv"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

func TestMain(m *testing.M) {
	testenv.Run(m)
}

// testNow is the tests' clock: 16:30 UTC on 15 June 2030 is already
// 00:30 on 16 June in China Standard Time.
func testNow() time.Time { return time.Date(2030, 6, 15, 16, 30, 0, 0, time.UTC) }

// bundle is what most tests need: a service over a fresh database.
type bundle struct {
	db  *postgres.DB
	svc *Service
}

func setup(t testing.TB) bundle {
	t.Helper()
	db := testenv.DB(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	vetting := providers.New(db, nil, logger, providers.Options{})
	return bundle{db: db, svc: New(db, logger, Options{Now: testNow, Vetting: vetting})}
}

// newUser stores a user with roles and returns a context signed in as them.
func (b bundle) newUser(t testing.TB, name string, roles ...string) (context.Context, string) {
	t.Helper()
	var id string
	err := b.db.Primary.QueryRow(t.Context(), `
		INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ($1, 'x', $2, $3, '1') RETURNING id::text`,
		strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@example.com", name, roles).Scan(&id)
	if err != nil {
		t.Fatalf("insert user %s: %v", name, err)
	}
	if slices.Contains(roles, auth.RoleProvider) {
		b.setVetting(t, id, "approved")
	}
	return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: roles}), id
}

// setVetting gives the provider userID a profile whose vetting status is
// status ("approved", "submitted", ...; ID-2). The provider service's own
// tests cover how a status is reached.
func (b bundle) setVetting(t testing.TB, userID, status string) {
	t.Helper()
	if _, err := b.db.Primary.Exec(t.Context(), `
		INSERT INTO provider_profiles (user_id, time_zone, availability, vetting_status)
		VALUES ($1, 'Asia/Shanghai', 'full_time', $2)
		ON CONFLICT (user_id) DO UPDATE SET vetting_status = EXCLUDED.vetting_status`, userID, status); err != nil {
		t.Fatalf("set vetting of %s: %v", userID, err)
	}
}

func (b bundle) countTasks(t *testing.T, clientID string) int {
	t.Helper()
	var n int
	if err := b.db.Primary.QueryRow(t.Context(), "SELECT count(*) FROM tasks WHERE client_id = $1", clientID).Scan(&n); err != nil {
		t.Fatalf("count tasks: %v", err)
	}
	return n
}

func (b bundle) create(t *testing.T, ctx context.Context, m *tasksv1.CreateTaskRequest) *tasksv1.Task {
	t.Helper()
	resp, err := b.svc.CreateTask(ctx, connect.NewRequest(m))
	if err != nil {
		t.Fatalf("CreateTask(%q): %v", m.GetTitle(), err)
	}
	return resp.Msg.GetTask()
}

func validTask() *tasksv1.CreateTaskRequest {
	return &tasksv1.CreateTaskRequest{
		Title:        "Build a payments dashboard",
		Description:  "# Goal\n\nA dashboard for **daily** settlement.",
		BudgetMinFen: 500000,
		BudgetMaxFen: 800000,
		DeliveryDate: "2030-07-01",
		SkillTags:    []string{"Go", " PostgreSQL ", "go", "Node.js"},
		TaskType:     tasksv1.TaskType_TASK_TYPE_BACK_END,
		Remote:       true,
	}
}

func connectCode(t *testing.T, err error) connect.Code {
	t.Helper()
	if err == nil {
		return 0
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *connect.Error", err)
	}
	return ce.Code()
}

// fieldReasons returns the BadRequest field violations in err as
// field -> reason, and fails the test on a violation without a description.
func fieldReasons(t *testing.T, err error) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, v := range badrequest.FromError(err) {
		if v.Description == "" {
			t.Errorf("violation %s/%s has no description", v.Field, v.Reason)
		}
		got[v.Field] = v.Reason
	}
	return got
}

func TestCreateTask(t *testing.T) {
	t.Parallel()
	b := setup(t)

	tests := []struct {
		name      string
		edit      func(m *tasksv1.CreateTaskRequest)
		wantField map[string]string
	}{
		{name: "ok"},
		{name: "ok delivered today in China", edit: func(m *tasksv1.CreateTaskRequest) { m.DeliveryDate = "2030-06-16" }},
		{name: "ok minimum budget", edit: func(m *tasksv1.CreateTaskRequest) { m.BudgetMinFen, m.BudgetMaxFen = 10000, 10000 }},
		{name: "ok empty description", edit: func(m *tasksv1.CreateTaskRequest) { m.Description = "" }},
		{name: "ok 120 character title", edit: func(m *tasksv1.CreateTaskRequest) { m.Title = strings.Repeat("标", 120) }},
		{name: "ok 10 tags after dedupe", edit: func(m *tasksv1.CreateTaskRequest) {
			m.SkillTags = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "A", " j "}
		}},
		{
			name:      "empty title",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.Title = "" },
			wantField: map[string]string{"title": "REQUIRED"},
		},
		{
			name:      "blank title",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.Title = " \n " },
			wantField: map[string]string{"title": "REQUIRED"},
		},
		{
			name:      "title too long",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.Title = strings.Repeat("x", 121) },
			wantField: map[string]string{"title": "TOO_LONG"},
		},
		{
			name:      "description too long",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.Description = strings.Repeat("x", 20001) },
			wantField: map[string]string{"description": "TOO_LONG"},
		},
		{
			name:      "budget below 100 yuan",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.BudgetMinFen = 9999 },
			wantField: map[string]string{"budget_min_fen": "BUDGET_TOO_LOW"},
		},
		{
			name:      "no budget",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.BudgetMinFen, m.BudgetMaxFen = 0, 0 },
			wantField: map[string]string{"budget_min_fen": "BUDGET_TOO_LOW"},
		},
		{
			name:      "min above max",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.BudgetMinFen, m.BudgetMaxFen = 800001, 800000 },
			wantField: map[string]string{"budget_min_fen": "BUDGET_MIN_ABOVE_MAX"},
		},
		{
			name:      "no delivery date",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.DeliveryDate = "" },
			wantField: map[string]string{"delivery_date": "REQUIRED"},
		},
		{
			name:      "date not a day",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.DeliveryDate = "2030-02-30" },
			wantField: map[string]string{"delivery_date": "DATE_INVALID"},
		},
		{
			name:      "date in another format",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.DeliveryDate = "01/07/2030" },
			wantField: map[string]string{"delivery_date": "DATE_INVALID"},
		},
		{
			name:      "date without padding",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.DeliveryDate = "2030-7-1" },
			wantField: map[string]string{"delivery_date": "DATE_INVALID"},
		},
		{
			name:      "date in past",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.DeliveryDate = "2029-12-31" },
			wantField: map[string]string{"delivery_date": "DATE_IN_PAST"},
		},
		{
			name:      "today in UTC is yesterday in China",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.DeliveryDate = "2030-06-15" },
			wantField: map[string]string{"delivery_date": "DATE_IN_PAST"},
		},
		{
			name:      "no tags",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.SkillTags = nil },
			wantField: map[string]string{"skill_tags": "TAGS_REQUIRED"},
		},
		{
			name:      "only blank tags",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.SkillTags = []string{"", "  "} },
			wantField: map[string]string{"skill_tags": "TAGS_REQUIRED"},
		},
		{
			name: "too many tags",
			edit: func(m *tasksv1.CreateTaskRequest) {
				m.SkillTags = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}
			},
			wantField: map[string]string{"skill_tags": "TOO_MANY_TAGS"},
		},
		{
			name:      "tag too long",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.SkillTags = []string{"go", strings.Repeat("x", 33)} },
			wantField: map[string]string{"skill_tags": "TAG_INVALID"},
		},
		{
			name:      "tag with odd characters",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.SkillTags = []string{"<script>"} },
			wantField: map[string]string{"skill_tags": "TAG_INVALID"},
		},
		{
			name:      "request id too long",
			edit:      func(m *tasksv1.CreateTaskRequest) { m.RequestId = strings.Repeat("r", 101) },
			wantField: map[string]string{"request_id": "TOO_LONG"},
		},
		{
			name: "everything wrong at once",
			edit: func(m *tasksv1.CreateTaskRequest) {
				*m = tasksv1.CreateTaskRequest{BudgetMinFen: 20000, BudgetMaxFen: 10000, DeliveryDate: "2020-01-01"}
			},
			wantField: map[string]string{
				"title":          "REQUIRED",
				"budget_min_fen": "BUDGET_MIN_ABOVE_MAX",
				"delivery_date":  "DATE_IN_PAST",
				"skill_tags":     "TAGS_REQUIRED",
				"task_type":      "TASK_TYPE_REQUIRED",
				"city":           "CITY_REQUIRED",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, clientID := b.newUser(t, "Client "+tt.name, auth.RoleClient)
			m := validTask()
			if tt.edit != nil {
				tt.edit(m)
			}
			resp, err := b.svc.CreateTask(ctx, connect.NewRequest(m))
			if tt.wantField != nil {
				if got := connectCode(t, err); got != connect.CodeInvalidArgument {
					t.Fatalf("code = %v, want invalid_argument (err %v)", got, err)
				}
				if got := fieldReasons(t, err); !maps.Equal(got, tt.wantField) {
					t.Fatalf("violations = %v, want %v", got, tt.wantField)
				}
				if n := b.countTasks(t, clientID); n != 0 {
					t.Fatalf("%d tasks saved from a refused request", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateTask: %v", err)
			}
			task := resp.Msg.GetTask()
			if task.GetClientId() != clientID || task.GetClientDisplayName() != "Client "+tt.name {
				t.Fatalf("task client = %s %q", task.GetClientId(), task.GetClientDisplayName())
			}
			if task.GetTitle() != m.GetTitle() || task.GetDescription() != m.GetDescription() ||
				task.GetBudgetMinFen() != m.GetBudgetMinFen() || task.GetBudgetMaxFen() != m.GetBudgetMaxFen() ||
				task.GetDeliveryDate() != m.GetDeliveryDate() {
				t.Fatalf("task = %v, want the fields of %v", task, m)
			}
			if task.GetStatus() != tasksv1.TaskStatus_TASK_STATUS_OPEN || task.GetDemo() || task.GetCreateTime() == nil {
				t.Fatalf("task status %v demo %v create time %v", task.GetStatus(), task.GetDemo(), task.GetCreateTime())
			}
			if n := b.countTasks(t, clientID); n != 1 {
				t.Fatalf("%d tasks saved, want 1", n)
			}
			// What CreateTask returned is what GetTask reads back.
			got, err := b.svc.GetTask(t.Context(), connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: task.GetId()}))
			if err != nil {
				t.Fatalf("GetTask: %v", err)
			}
			if g := got.Msg.GetTask(); g.String() != task.String() {
				t.Fatalf("GetTask = %v, want %v", g, task)
			}
		})
	}
}

// TestCreateTaskNormalisesTags checks that tags go through the shared
// vocabulary's synonyms and unknown tags are kept, normalised (TASK-1).
func TestCreateTaskNormalisesTags(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.newUser(t, "Tagger", auth.RoleClient)
	m := validTask()
	m.SkillTags = []string{"  Go ", "golang", "Machine   Learning", "C++", "c#", "小程序", "", "node.JS", "k8s", "Postgres", "Acme  Tool"}
	got := b.create(t, ctx, m).GetSkillTags()
	want := []string{"go", "machine learning", "c++", "c#", "wechat mini-program", "node.js", "kubernetes", "postgresql", "acme tool"}
	if !slices.Equal(got, want) {
		t.Fatalf("tags = %q, want %q", got, want)
	}
}

func TestCreateTaskCaller(t *testing.T) {
	t.Parallel()
	b := setup(t)
	provider, providerID := b.newUser(t, "Provider", auth.RoleProvider)
	tests := []struct {
		name     string
		ctx      context.Context
		wantCode connect.Code
	}{
		{name: "anonymous", ctx: t.Context(), wantCode: connect.CodeUnauthenticated},
		{name: "provider", ctx: provider, wantCode: connect.CodePermissionDenied},
		{
			name:     "client without an account",
			ctx:      auth.WithPrincipal(t.Context(), auth.Principal{UserID: "00000000-0000-0000-0000-000000000001", Roles: []string{auth.RoleClient}}),
			wantCode: connect.CodeUnauthenticated,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.svc.CreateTask(tt.ctx, connect.NewRequest(validTask()))
			if got := connectCode(t, err); got != tt.wantCode {
				t.Fatalf("code = %v, want %v (err %v)", got, tt.wantCode, err)
			}
		})
	}
	if n := b.countTasks(t, providerID); n != 0 {
		t.Fatalf("%d tasks saved for a provider", n)
	}
}

func TestCreateTaskIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice, aliceID := b.newUser(t, "Alice", auth.RoleClient)
	bob, bobID := b.newUser(t, "Bob", auth.RoleClient, auth.RoleProvider)

	m := validTask()
	m.RequestId = "0b4f6a52-retry"
	first := b.create(t, alice, m)

	// A retry, even with other content, returns the first task.
	retry := validTask()
	retry.RequestId = m.RequestId
	retry.Title = "Changed my mind"
	again := b.create(t, alice, retry)
	if again.String() != first.String() {
		t.Fatalf("retry returned %v, want the first task %v", again, first)
	}
	if n := b.countTasks(t, aliceID); n != 1 {
		t.Fatalf("%d tasks after a retry, want 1", n)
	}

	// Another client may use the same request id.
	other := b.create(t, bob, m)
	if other.GetId() == first.GetId() || other.GetClientId() != bobID {
		t.Fatalf("another client's request returned %v", other)
	}

	// Another request id, or none, makes new tasks.
	m.RequestId = "second"
	if b.create(t, alice, m).GetId() == first.GetId() {
		t.Fatal("a new request id returned the first task")
	}
	m.RequestId = ""
	b.create(t, alice, m)
	b.create(t, alice, m)
	if n := b.countTasks(t, aliceID); n != 4 {
		t.Fatalf("%d tasks, want 4", n)
	}
}

func TestGetTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.newUser(t, "Carol", auth.RoleClient)
	first := b.create(t, ctx, validTask())
	second := b.create(t, ctx, validTask())

	ref := regexp.MustCompile(`^T-\d{6}$`)
	for _, task := range []*tasksv1.Task{first, second} {
		if !ref.MatchString(task.GetRef()) {
			t.Fatalf("ref %q is not like T-000123", task.GetRef())
		}
	}
	if first.GetRef() == second.GetRef() {
		t.Fatalf("two tasks share ref %s", first.GetRef())
	}
	var n int
	if _, err := fmt.Sscanf(first.GetRef(), "T-%d", &n); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		idOrRef  string
		want     *tasksv1.Task
		wantCode connect.Code
	}{
		{name: "by id", idOrRef: first.GetId(), want: first},
		{name: "by upper-case id", idOrRef: strings.ToUpper(second.GetId()), want: second},
		{name: "by ref", idOrRef: first.GetRef(), want: first},
		{name: "by short lower-case ref", idOrRef: fmt.Sprintf("t-%d", n), want: first},
		{name: "unknown ref", idOrRef: "T-999999", wantCode: connect.CodeNotFound},
		{name: "unknown id", idOrRef: "00000000-0000-0000-0000-000000000001", wantCode: connect.CodeNotFound},
		{name: "empty", idOrRef: "", wantCode: connect.CodeInvalidArgument},
		{name: "garbage", idOrRef: "hello", wantCode: connect.CodeInvalidArgument},
		{name: "ref without number", idOrRef: "T-", wantCode: connect.CodeInvalidArgument},
		{name: "negative ref", idOrRef: "T--1", wantCode: connect.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := b.svc.GetTask(t.Context(), connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: tt.idOrRef}))
			if got := connectCode(t, err); got != tt.wantCode {
				t.Fatalf("code = %v, want %v (err %v)", got, tt.wantCode, err)
			}
			if err == nil && resp.Msg.GetTask().String() != tt.want.String() {
				t.Fatalf("GetTask = %v, want %v", resp.Msg.GetTask(), tt.want)
			}
		})
	}
}

// listAll pages through ListTasks and returns the pages' task ids.
func (b bundle) listAll(t *testing.T, ctx context.Context, req *tasksv1.ListTasksRequest) [][]string {
	t.Helper()
	var pages [][]string
	for {
		resp, err := b.svc.ListTasks(ctx, connect.NewRequest(req))
		if err != nil {
			t.Fatalf("ListTasks: %v", err)
		}
		var ids []string
		for _, task := range resp.Msg.GetTasks() {
			ids = append(ids, task.GetId())
		}
		pages = append(pages, ids)
		if resp.Msg.GetNextPageToken() == "" {
			return pages
		}
		if len(pages) > 100 {
			t.Fatal("ListTasks never ends")
		}
		req.PageToken = resp.Msg.GetNextPageToken()
	}
}

func TestListTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dan, _ := b.newUser(t, "Dan", auth.RoleClient)
	eve, _ := b.newUser(t, "Eve", auth.RoleClient)
	provider, _ := b.newUser(t, "Fay", auth.RoleProvider)

	// Seven tasks, alternating between two clients. Two of them share a
	// create time, so the id must break the tie.
	var all, dans []string // newest first
	for i := range 7 {
		ctx := dan
		if i%2 == 1 {
			ctx = eve
		}
		m := validTask()
		m.Title = fmt.Sprintf("Task %d", i)
		task := b.create(t, ctx, m)
		all = append(all, task.GetId())
		if i%2 == 0 {
			dans = append(dans, task.GetId())
		}
	}
	if _, err := b.db.Primary.Exec(t.Context(),
		"UPDATE tasks SET create_time = (SELECT create_time FROM tasks WHERE id = $1) WHERE id = $2", all[2], all[3]); err != nil {
		t.Fatal(err)
	}
	// The expected order comes from the database: newest first, id last.
	rows, err := b.db.Primary.Query(t.Context(), "SELECT id::text FROM tasks ORDER BY create_time DESC, id DESC")
	if err != nil {
		t.Fatal(err)
	}
	all = all[:0]
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		all = append(all, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(dans)

	tests := []struct {
		name string
		ctx  context.Context
		req  *tasksv1.ListTasksRequest
		want [][]string
	}{
		{name: "three pages", ctx: t.Context(), req: &tasksv1.ListTasksRequest{PageSize: 3}, want: [][]string{all[0:3], all[3:6], all[6:7]}},
		{name: "exact pages", ctx: t.Context(), req: &tasksv1.ListTasksRequest{PageSize: 7}, want: [][]string{all}},
		{name: "default size", ctx: t.Context(), req: &tasksv1.ListTasksRequest{}, want: [][]string{all}},
		{name: "size above maximum", ctx: t.Context(), req: &tasksv1.ListTasksRequest{PageSize: 1000}, want: [][]string{all}},
		{name: "signed in sees all", ctx: provider, req: &tasksv1.ListTasksRequest{PageSize: 4}, want: [][]string{all[0:4], all[4:7]}},
		{name: "mine", ctx: dan, req: &tasksv1.ListTasksRequest{Mine: true, PageSize: 3}, want: [][]string{dans[0:3], dans[3:4]}},
		{name: "mine with none", ctx: provider, req: &tasksv1.ListTasksRequest{Mine: true}, want: [][]string{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := b.listAll(t, tt.ctx, tt.req)
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Fatalf("pages = %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("list entries are complete", func(t *testing.T) {
		t.Parallel()
		resp, err := b.svc.ListTasks(t.Context(), connect.NewRequest(&tasksv1.ListTasksRequest{PageSize: 1}))
		if err != nil {
			t.Fatal(err)
		}
		task := resp.Msg.GetTasks()[0]
		if task.GetClientDisplayName() == "" || task.GetRef() == "" || len(task.GetSkillTags()) == 0 || task.GetCreateTime() == nil {
			t.Fatalf("listed task = %v", task)
		}
	})

	errs := []struct {
		name      string
		ctx       context.Context
		req       *tasksv1.ListTasksRequest
		wantCode  connect.Code
		wantField map[string]string
	}{
		{name: "mine anonymous", ctx: t.Context(), req: &tasksv1.ListTasksRequest{Mine: true}, wantCode: connect.CodeUnauthenticated},
		{
			name: "bad page token", ctx: t.Context(), req: &tasksv1.ListTasksRequest{PageToken: "bm90IGEgdG9rZW4"},
			wantCode: connect.CodeInvalidArgument, wantField: map[string]string{"page_token": "PAGE_TOKEN_INVALID"},
		},
		{
			name: "negative page size", ctx: t.Context(), req: &tasksv1.ListTasksRequest{PageSize: -1},
			wantCode: connect.CodeInvalidArgument, wantField: map[string]string{"page_size": "OUT_OF_RANGE"},
		},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.svc.ListTasks(tt.ctx, connect.NewRequest(tt.req))
			if got := connectCode(t, err); got != tt.wantCode {
				t.Fatalf("code = %v, want %v (err %v)", got, tt.wantCode, err)
			}
			if tt.wantField != nil {
				if got := fieldReasons(t, err); !maps.Equal(got, tt.wantField) {
					t.Fatalf("violations = %v, want %v", got, tt.wantField)
				}
			}
		})
	}
}

func TestPageToken(t *testing.T) {
	t.Parallel()
	c := cursor{sort: tasksv1.TaskSort_TASK_SORT_BUDGET_LOW, key: -1234567890123, id: [16]byte{1, 2, 3, 15: 16}}
	got, ok := decodePageToken(encodePageToken(c))
	if !ok || got != c {
		t.Fatalf("round trip = %+v %v, want %+v", got, ok, c)
	}
	for _, bad := range []string{"", "!!!", encodePageToken(c) + "A", encodePageToken(c)[:10]} {
		if _, ok := decodePageToken(bad); ok {
			t.Errorf("decodePageToken(%q) accepted", bad)
		}
	}
}
