package pages

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestFiltersURL checks that a search survives the trip through the URL
// (so it can be shared) and becomes the right ListTasksRequest (TASK-1).
func TestFiltersURL(t *testing.T) {
	t.Parallel()
	f := filters{query: "数据 迁移", taskType: "TASK_TYPE_DATABASE_OPS", sort: "TASK_SORT_BUDGET_HIGH",
		city: "上海", skills: "golang, vue", budgetMin: "1,000", budgetMax: "bad", remote: true, mine: true,
		status: "TASK_STATUS_CLOSED", deliveryFrom: "2030-01-01", deliveryTo: "2030-02-01", allSkills: true}
	u, err := url.Parse(f.url())
	if err != nil {
		t.Fatal(err)
	}
	if got := filtersFrom(u); got != f {
		t.Fatalf("round trip = %+v, want %+v", got, f)
	}
	req := f.request()
	if req.GetQuery() != "数据 迁移" || !slices.Equal(req.GetTaskTypes(), []tasksv1.TaskType{tasksv1.TaskType_TASK_TYPE_DATABASE_OPS}) ||
		req.GetSort() != tasksv1.TaskSort_TASK_SORT_BUDGET_HIGH || req.GetCity() != "上海" || !req.GetRemoteOnly() || !req.GetMine() ||
		req.GetBudgetMinFen() != 100000 || req.GetBudgetMaxFen() != 0 || !slices.Equal(req.GetSkillTags(), []string{"golang", "vue"}) ||
		!req.GetAllSkills() || req.GetDeliveryFrom() != "2030-01-01" || req.GetDeliveryTo() != "2030-02-01" ||
		!slices.Equal(req.GetStatuses(), []tasksv1.TaskStatus{tasksv1.TaskStatus_TASK_STATUS_CLOSED}) {
		t.Fatalf("request = %v", req)
	}
	if got := (filters{}).url(); got != "/tasks" {
		t.Fatalf("empty search url = %q", got)
	}
}

// TestCatalogueNamesEveryTypeAndSort keeps the type and sort pickers
// translated as the API grows.
func TestCatalogueNamesEveryTypeAndSort(t *testing.T) {
	t.Parallel()
	keys := []string{"status.draft"}
	for _, tt := range taskTypes {
		keys = append(keys, typeKey(tt))
	}
	for _, s := range sorts {
		keys = append(keys, sortKey(s))
	}
	for n := range len(tasksv1.TaskStatus_name) {
		keys = append(keys, statusKey(tasksv1.TaskStatus(n)))
	}
	for _, k := range keys {
		if k == "status.unspecified" {
			continue
		}
		if !ui.Has(k) {
			t.Errorf("the catalogue has no %s", k)
		}
	}
	if len(taskTypes) != 12 {
		t.Fatalf("%d task types, want the 12 of the catalogue", len(taskTypes))
	}
}

// TestTaskPageActions checks that only the task's client sees the actions,
// and only those its status allows; and that the description is rendered
// Markdown (TASK-1, issue 4 item 4).
func TestTaskPageActions(t *testing.T) {
	t.Parallel()
	task := func(st tasksv1.TaskStatus) *tasksv1.Task {
		return &tasksv1.Task{Ref: "T-000007", Title: "数据迁移", ClientId: "owner", Status: st, Remote: true,
			TaskType: tasksv1.TaskType_TASK_TYPE_DATABASE_OPS, Description: "**粗体** <script>x()</script>"}
	}
	owner := session{Loaded: true, SignedIn: true, ID: "owner", Client: true}
	other := session{Loaded: true, SignedIn: true, ID: "someone", Client: true}
	tests := []struct {
		name   string
		s      session
		status tasksv1.TaskStatus
		want   []string // ids present; the others of allIDs are absent
	}{
		{"owner, draft", owner, tasksv1.TaskStatus_TASK_STATUS_DRAFT, []string{"task-edit", "task-publish", "task-cancel"}},
		{"owner, open", owner, tasksv1.TaskStatus_TASK_STATUS_OPEN, []string{"task-edit", "task-close", "task-cancel"}},
		{"owner, awarded", owner, tasksv1.TaskStatus_TASK_STATUS_AWARDED, []string{"task-cancel"}},
		{"owner, closed", owner, tasksv1.TaskStatus_TASK_STATUS_CLOSED, nil},
		{"someone else, open", other, tasksv1.TaskStatus_TASK_STATUS_OPEN, nil},
		{"signed out, open", session{Loaded: true}, tasksv1.TaskStatus_TASK_STATUS_OPEN, nil},
	}
	allIDs := []string{"task-edit", "task-publish", "task-close", "task-cancel"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &taskPage{env: testEnv(ui.Chinese), task: task(tt.status), s: tt.s}
			doc := render(t, p)
			for _, id := range allIDs {
				if got, want := byID(doc, id) != nil, slices.Contains(tt.want, id); got != want {
					t.Errorf("#%s shown = %v, want %v", id, got, want)
				}
			}
			h := app.HTMLString(p)
			if !strings.Contains(h, `<div class="markdown description"><p><strong>粗体</strong>`) || strings.Contains(h, "<script") {
				t.Fatalf("page = %q, want the description rendered without the script", h)
			}
		})
	}
}
