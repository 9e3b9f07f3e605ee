package pages

import (
	"net/url"
	"slices"
	"testing"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestFiltersURL checks that a search survives the trip through the URL
// (so it can be shared) and becomes the right ListTasksRequest (TASK-1).
func TestFiltersURL(t *testing.T) {
	t.Parallel()
	f := filters{query: "数据 迁移", taskType: "TASK_TYPE_DATABASE_OPS", sort: "TASK_SORT_BUDGET_HIGH",
		city: "上海", skills: "golang, vue", budgetMin: "1,000", budgetMax: "bad", remote: true, mine: true}
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
		req.GetBudgetMinFen() != 100000 || req.GetBudgetMaxFen() != 0 || !slices.Equal(req.GetSkillTags(), []string{"golang", "vue"}) {
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
