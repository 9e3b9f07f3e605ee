package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	moderationv1 "github.com/talent-hub/talent/proto/talent/moderation/v1"
	"github.com/talent-hub/talent/proto/talent/moderation/v1/moderationv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// TestModerationPagesInBrowser: an admin pastes keywords on the keyword
// page, finds and removes one, then takes down a task from the patrol
// queue, where its review word is marked; the task is then hidden from
// others (SEC-5).
func TestModerationPagesInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	adminEmail, adminToken := signUpAs(ctx, t, "patrol-admin", true)
	_, clientToken := signUpAs(ctx, t, "patrol-client", false)

	// A task with a review word: published, and queued.
	tasks := tasksv1connect.NewTaskServiceClient(platform.client, platform.url)
	tomorrow := time.Now().In(shanghai(t)).AddDate(0, 0, 1).Format(time.DateOnly)
	created, err := tasks.CreateTask(ctx, withToken(&tasksv1.CreateTaskRequest{
		Title: "Patrol e2e " + randomHex(t), Description: "有问题请加 微 信 联系", BudgetMinFen: 500000, BudgetMaxFen: 800000,
		DeliveryDate: tomorrow, SkillTags: []string{"Go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
	}, clientToken))
	if err != nil {
		t.Fatalf("CreateTask with a review word: %v", err)
	}
	ref := created.Msg.GetTask().GetRef()
	moderation := moderationv1connect.NewModerationServiceClient(platform.client, platform.url)
	var itemID int64
	for token := ""; itemID == 0; {
		res, err := moderation.ListPatrolItems(ctx, withToken(&moderationv1.ListPatrolItemsRequest{PageSize: 500, PageToken: token}, adminToken))
		if err != nil {
			t.Fatalf("ListPatrolItems: %v", err)
		}
		for _, it := range res.Msg.GetItems() {
			if it.GetItemId() == ref {
				itemID = it.GetId()
			}
		}
		if token = res.Msg.GetNextPageToken(); token == "" && itemID == 0 {
			t.Fatalf("task %s is not in the patrol queue", ref)
		}
	}
	id := strconv.FormatInt(itemID, 10)

	browser, closeBrowser := newBrowser(ctx, t, "zh-CN")
	defer closeBrowser()
	w1, w2 := "巡查"+randomHex(t)[:6], "巡查"+randomHex(t)[:6]
	step(t, browser, "log in as the admin",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", adminEmail), fill("#password", e2ePassword),
		click("#login-submit"),
		waitPath("/tasks"),
	)
	step(t, browser, "paste two keywords into the block list",
		click("#nav-admin-keywords"), waitPath("/admin/keywords"),
		waitText("#kw-meta"),
		fill("#kw-words", "# pasted\n"+w1+"\n"+w2), fill("#kw-note", "e2e"),
		click("#kw-add-submit"),
		waitText("#kw-result"),
	)
	if got := textOf(t, browser, "#kw-result"); !strings.Contains(got, w1) || !strings.Contains(got, w2) {
		t.Fatalf("#kw-result = %q, want both words added", got)
	}
	item := fmt.Sprintf(`#kw-items .kw-item[data-word=%q]`, w1)
	step(t, browser, "find one and remove it",
		fill("#kw-search", w1), click("#kw-search-submit"),
		waitFor(fmt.Sprintf(`(document.querySelectorAll("#kw-items .kw-item").length === 1 && document.querySelector(%q))`, item)),
		click(item+" .kw-remove"),
		waitFor(fmt.Sprintf(`!document.querySelector(%q)`, item)),
	)
	list, err := moderation.ListKeywords(ctx, withToken(&moderationv1.ListKeywordsRequest{List: moderationv1.KeywordList_KEYWORD_LIST_BLOCK, Query: "巡查"}, adminToken))
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, k := range list.Msg.GetKeywords() {
		words = append(words, k.GetWord())
	}
	if !contains(words, w2) || contains(words, w1) {
		t.Fatalf("block list holds %q, want %s and not %s", words, w2, w1)
	}

	row := "#patrol-item-" + id
	step(t, browser, "open the patrol queue",
		click("#nav-admin-patrol"), waitPath("/admin/patrol"),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	if got := textOf(t, browser, row+" .patrol-excerpt mark"); got != "加 微 信" {
		t.Fatalf("marked %q, want the words as written", got)
	}
	step(t, browser, "take the task down without a reason, then with one",
		click("#patrol-take-down-"+id),
		waitText("#patrol-error-"+id),
		fill("#patrol-note-"+id, "联系方式不允许公开"),
		click("#patrol-take-down-"+id),
		waitUntil(fmt.Sprintf(`!document.querySelector(%q)`, row)),
	)
	if _, err := tasks.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: ref})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("GetTask of the taken-down task, anonymously: %v, want not_found", err)
	}
}
