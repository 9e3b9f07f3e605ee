package moderation_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/tasks"
	"github.com/talent-hub/talent/backend/testenv"
	"github.com/talent-hub/talent/internal/keywordmatch"
	moderationv1 "github.com/talent-hub/talent/proto/talent/moderation/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

func TestMain(m *testing.M) {
	testenv.Run(m)
}

var (
	block  = moderationv1.KeywordList_KEYWORD_LIST_BLOCK
	review = moderationv1.KeywordList_KEYWORD_LIST_REVIEW
)

// bundle is a moderation service, its checker and a task service that
// checks with it, over a fresh database.
type bundle struct {
	db      *postgres.DB
	checker *moderation.Checker
	svc     *moderation.Service
	tasks   *tasks.Service
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func setup(t testing.TB) bundle {
	t.Helper()
	db := testenv.DB(t)
	logger := quietLogger()
	checker := moderation.NewChecker(db, logger, moderation.CheckerOptions{})
	ts := tasks.New(db, logger, tasks.Options{
		Now:        func() time.Time { return time.Date(2030, 6, 1, 8, 0, 0, 0, time.UTC) },
		Moderation: checker,
		Vetting:    providers.New(db, nil, logger, providers.Options{}),
	})
	svc := moderation.New(db, logger, checker, moderation.Options{
		Targets: map[string]moderation.Target{moderation.KindTask: ts},
	})
	return bundle{db: db, checker: checker, svc: svc, tasks: ts}
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
		// Only an approved provider takes work (ID-2).
		if _, err := b.db.Primary.Exec(t.Context(), `
			INSERT INTO provider_profiles (user_id, time_zone, availability, vetting_status)
			VALUES ($1, 'Asia/Shanghai', 'full_time', 'approved')`, id); err != nil {
			t.Fatalf("approve provider %s: %v", name, err)
		}
	}
	return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: roles}), id
}

func (b bundle) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.Primary.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func fieldReasons(err error) map[string]string {
	out := map[string]string{}
	for _, v := range badrequest.FromError(err) {
		out[v.Field] = v.Reason
	}
	return out
}

func (b bundle) add(t testing.TB, ctx context.Context, list moderationv1.KeywordList, words ...string) *moderationv1.AddKeywordsResponse {
	t.Helper()
	res, err := b.svc.AddKeywords(ctx, connect.NewRequest(&moderationv1.AddKeywordsRequest{List: list, Words: words, Note: "test"}))
	if err != nil {
		t.Fatalf("AddKeywords(%q): %v", words, err)
	}
	return res.Msg
}

func (b bundle) listAll(t testing.TB, ctx context.Context, list moderationv1.KeywordList, query string, pageSize int32) ([]string, int64) {
	t.Helper()
	var words []string
	var version int64
	token := ""
	for range 100 {
		res, err := b.svc.ListKeywords(ctx, connect.NewRequest(&moderationv1.ListKeywordsRequest{List: list, Query: query, PageSize: pageSize, PageToken: token}))
		if err != nil {
			t.Fatalf("ListKeywords: %v", err)
		}
		for _, k := range res.Msg.GetKeywords() {
			words = append(words, k.GetWord())
		}
		version = res.Msg.GetVersion()
		if token = res.Msg.GetNextPageToken(); token == "" {
			return words, version
		}
	}
	t.Fatal("ListKeywords never ended")
	return nil, 0
}

// TestSeedIsTheDeployLists checks that the migration seeds the lists with
// deploy/edge/keywords/*.txt, the lists the edge used before the backend
// managed them (SEC-5).
func TestSeedIsTheDeployLists(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.newUser(t, "Seed Admin", auth.RoleAdmin)
	for _, tt := range []struct {
		list moderationv1.KeywordList
		file string
	}{{block, "block.txt"}, {review, "review.txt"}} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "edge", "keywords", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		want := keywordmatch.ParseList(raw)
		slices.Sort(want)
		got, version := b.listAll(t, ctx, tt.list, "", 0)
		if !slices.Equal(got, want) || version != 1 {
			t.Errorf("%s: seeded %q at version %d, want %q at version 1", tt.file, got, version, want)
		}
	}
}

// TestKeywordListsCRUD adds in bulk (a pasted list with comments and
// duplicates), lists page by page and by search, removes, and checks that
// every change bumps the version and is audited (SEC-5, SEC-3).
func TestKeywordListsCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, adminID := b.newUser(t, "List Admin", auth.RoleAdmin)

	res := b.add(t, ctx, block, "# pasted\nalpha\n\n beta \nalpha", "gamma", "赌博")
	if !slices.Equal(res.GetAdded(), []string{"alpha", "beta", "gamma"}) || !slices.Equal(res.GetExisting(), []string{"赌博"}) || res.GetVersion() != 2 {
		t.Fatalf("AddKeywords = added %q existing %q version %d, want [alpha beta gamma] [赌博] 2", res.GetAdded(), res.GetExisting(), res.GetVersion())
	}
	// Nothing new: no new version, no audit entry.
	if res := b.add(t, ctx, block, "alpha"); res.GetVersion() != 2 || len(res.GetAdded()) != 0 {
		t.Fatalf("re-adding = %v, want version 2 and nothing added", res)
	}
	all, version := b.listAll(t, ctx, block, "", 2)
	if len(all) != 11 || version != 2 || !slices.IsSorted(all) {
		t.Fatalf("paged list = %q version %d, want 11 sorted keywords at version 2", all, version)
	}
	if got, _ := b.listAll(t, ctx, block, "AL", 0); !slices.Equal(got, []string{"alpha"}) {
		t.Fatalf("search AL = %q, want [alpha]", got)
	}

	rm, err := b.svc.RemoveKeywords(ctx, connect.NewRequest(&moderationv1.RemoveKeywordsRequest{List: block, Words: []string{"beta", "nope"}}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rm.Msg.GetRemoved(), []string{"beta"}) || !slices.Equal(rm.Msg.GetMissing(), []string{"nope"}) || rm.Msg.GetVersion() != 3 {
		t.Fatalf("RemoveKeywords = %v, want removed [beta] missing [nope] version 3", rm.Msg)
	}
	if got := b.count(t, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'moderation.keyword_add' AND target = 'keywords:block' AND detail->'words' = '["alpha","beta","gamma"]'::jsonb`, adminID); got != 1 {
		t.Errorf("keyword_add audit entries = %d, want 1", got)
	}
	if got := b.count(t, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'moderation.keyword_remove' AND detail->'words' = '["beta"]'::jsonb AND (detail->>'version')::int = 3`, adminID); got != 1 {
		t.Errorf("keyword_remove audit entries = %d, want 1", got)
	}
	// The review list has its own version.
	if got := b.add(t, ctx, review, "delta").GetVersion(); got != 2 {
		t.Errorf("review version after one change = %d, want 2", got)
	}

	bad := []struct {
		name string
		req  *moderationv1.AddKeywordsRequest
		want map[string]string
	}{
		{"no list", &moderationv1.AddKeywordsRequest{Words: []string{"x"}}, map[string]string{"list": "REQUIRED"}},
		{"no words", &moderationv1.AddKeywordsRequest{List: block, Words: []string{"# only a comment", " "}}, map[string]string{"words": "REQUIRED"}},
		{"punctuation only", &moderationv1.AddKeywordsRequest{List: block, Words: []string{"*-*"}}, map[string]string{"words[0]": "KEYWORD_EMPTY"}},
		{"too long", &moderationv1.AddKeywordsRequest{List: block, Words: []string{"ok", strings.Repeat("字", 101)}}, map[string]string{"words[1]": "KEYWORD_TOO_LONG"}},
		{"note too long", &moderationv1.AddKeywordsRequest{List: block, Words: []string{"ok"}, Note: strings.Repeat("n", 501)}, map[string]string{"note": "NOTE_TOO_LONG"}},
	}
	for _, tt := range bad {
		_, err := b.svc.AddKeywords(ctx, connect.NewRequest(tt.req))
		if connect.CodeOf(err) != connect.CodeInvalidArgument || !mapsEqual(fieldReasons(err), tt.want) {
			t.Errorf("%s: err %v reasons %v, want invalid_argument %v", tt.name, err, fieldReasons(err), tt.want)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func validTask(title, description string) *tasksv1.CreateTaskRequest {
	return &tasksv1.CreateTaskRequest{
		Title:        title,
		Description:  description,
		BudgetMinFen: 500000,
		BudgetMaxFen: 800000,
		DeliveryDate: "2030-07-01",
		SkillTags:    []string{"Go"},
		TaskType:     tasksv1.TaskType_TASK_TYPE_BACK_END,
		Remote:       true,
	}
}

// TestBlockRefusesCreateTask: a block keyword, however written, refuses
// the task with CONTENT_BLOCKED on the field, naming the word, and
// nothing is saved (SEC-5).
func TestBlockRefusesCreateTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, clientID := b.newUser(t, "Blocked Client", auth.RoleClient)
	_, err := b.tasks.CreateTask(ctx, connect.NewRequest(validTask("Payments dashboard", "Also some 赌 博 and ＧＡＭＢＬＥ? no: 诈*骗")))
	if connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Fatalf("CreateTask = %v, want invalid_argument", err)
	}
	if got := fieldReasons(err); !mapsEqual(got, map[string]string{"description": "CONTENT_BLOCKED"}) {
		t.Fatalf("reasons = %v, want description CONTENT_BLOCKED", got)
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatal("not a connect error")
	}
	var info *errdetails.ErrorInfo
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if i, ok := v.(*errdetails.ErrorInfo); ok {
				info = i
			}
		}
	}
	if info == nil || info.GetReason() != "CONTENT_BLOCKED" || info.GetMetadata()["words"] != "赌博, 诈骗" || info.GetMetadata()["words.description"] != "赌博, 诈骗" {
		t.Fatalf("ErrorInfo = %v, want CONTENT_BLOCKED naming 赌博, 诈骗", info)
	}
	if n := b.count(t, `SELECT count(*) FROM tasks WHERE client_id = $1`, clientID); n != 0 {
		t.Fatalf("%d tasks saved, want none", n)
	}
	if n := b.count(t, `SELECT count(*) FROM moderation_patrol_items`); n != 0 {
		t.Fatalf("%d patrol items, want none", n)
	}
}

// TestReviewPublishesAndQueues: a review keyword lets the task through,
// published, and queues it with the matched words highlighted (SEC-5).
func TestReviewPublishesAndQueues(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, clientID := b.newUser(t, "Review Client", auth.RoleClient)
	adminCtx, _ := b.newUser(t, "Review Admin", auth.RoleAdmin)
	res, err := b.tasks.CreateTask(ctx, connect.NewRequest(validTask("请加 微 信 详谈", "A dashboard. 刷单 not wanted.")))
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	task := res.Msg.GetTask()
	if task.GetStatus() != tasksv1.TaskStatus_TASK_STATUS_OPEN {
		t.Fatalf("status = %v, want open", task.GetStatus())
	}
	list, err := b.svc.ListPatrolItems(adminCtx, connect.NewRequest(&moderationv1.ListPatrolItemsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	items := list.Msg.GetItems()
	if len(items) != 2 {
		t.Fatalf("patrol items = %v, want title and description", items)
	}
	title := items[0]
	if title.GetKind() != "task" || title.GetItemId() != task.GetRef() || title.GetLink() != "/tasks/"+task.GetRef() ||
		title.GetField() != "title" || !slices.Equal(title.GetWords(), []string{"加微信"}) ||
		title.GetAuthorId() != clientID || title.GetAuthorName() != "Review Client" ||
		title.GetStatus() != moderationv1.PatrolStatus_PATROL_STATUS_PENDING {
		t.Fatalf("title item = %v", title)
	}
	var marked []string
	for _, s := range title.GetExcerpt() {
		if s.GetMatched() {
			marked = append(marked, s.GetText())
		}
	}
	if !slices.Equal(marked, []string{"加 微 信"}) {
		t.Fatalf("highlighted = %q, want the words as written", marked)
	}
	if items[1].GetField() != "description" || !slices.Equal(items[1].GetWords(), []string{"刷单"}) {
		t.Fatalf("description item = %v", items[1])
	}

	// An update with a review word queues again; with a block word it is
	// refused and the task keeps its text.
	upd := &tasksv1.UpdateTaskRequest{IdOrRef: task.GetRef(), Title: "Dashboard", Description: "返利 offered", BudgetMinFen: 500000,
		BudgetMaxFen: 800000, DeliveryDate: "2030-07-01", SkillTags: []string{"Go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true}
	if _, err := b.tasks.UpdateTask(ctx, connect.NewRequest(upd)); err != nil {
		t.Fatalf("UpdateTask: %v", err)
	}
	if n := b.count(t, `SELECT count(*) FROM moderation_patrol_items WHERE words = ARRAY['返利']`); n != 1 {
		t.Fatalf("patrol items for the update = %d, want 1", n)
	}
	upd.Title = "洗钱 dashboard"
	if _, err := b.tasks.UpdateTask(ctx, connect.NewRequest(upd)); !mapsEqual(fieldReasons(err), map[string]string{"title": "CONTENT_BLOCKED"}) {
		t.Fatalf("UpdateTask with a block word = %v, want CONTENT_BLOCKED on title", err)
	}
	if n := b.count(t, `SELECT count(*) FROM tasks WHERE title = 'Dashboard'`); n != 1 {
		t.Fatal("the refused update changed the task")
	}
}

// TestPatrolResolve works the queue: keep, warn (the author is told),
// take down (the task is cancelled and hidden, the author is told), each
// audited; a decided item cannot be decided again (SEC-5, SEC-3).
func TestPatrolResolve(t *testing.T) {
	t.Parallel()
	b := setup(t)
	clientCtx, clientID := b.newUser(t, "Patrol Client", auth.RoleClient)
	adminCtx, adminID := b.newUser(t, "Patrol Admin", auth.RoleAdmin)
	otherCtx, _ := b.newUser(t, "Someone Else", auth.RoleProvider)

	post := func(title string) (*tasksv1.Task, []*moderationv1.PatrolItem) {
		t.Helper()
		res, err := b.tasks.CreateTask(clientCtx, connect.NewRequest(validTask(title, "description 加微信")))
		if err != nil {
			t.Fatal(err)
		}
		list, err := b.svc.ListPatrolItems(adminCtx, connect.NewRequest(&moderationv1.ListPatrolItemsRequest{PageSize: 100}))
		if err != nil {
			t.Fatal(err)
		}
		var mine []*moderationv1.PatrolItem
		for _, it := range list.Msg.GetItems() {
			if it.GetItemId() == res.Msg.GetTask().GetRef() {
				mine = append(mine, it)
			}
		}
		return res.Msg.GetTask(), mine
	}
	resolve := func(id int64, action moderationv1.PatrolAction, note string) (*moderationv1.PatrolItem, error) {
		res, err := b.svc.ResolvePatrolItem(adminCtx, connect.NewRequest(&moderationv1.ResolvePatrolItemRequest{Id: id, Action: action, Note: note}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetItem(), nil
	}

	// Keep.
	_, items := post("Keep me 刷单")
	kept, err := resolve(items[0].GetId(), moderationv1.PatrolAction_PATROL_ACTION_KEEP, "")
	if err != nil || kept.GetStatus() != moderationv1.PatrolStatus_PATROL_STATUS_KEPT || kept.GetResolverId() != adminID {
		t.Fatalf("keep = %v, %v", kept, err)
	}
	if _, err := resolve(items[0].GetId(), moderationv1.PatrolAction_PATROL_ACTION_WARN, "again"); !mapsEqual(fieldReasons(err), map[string]string{"id": "PATROL_ITEM_RESOLVED"}) {
		t.Fatalf("resolving twice = %v, want PATROL_ITEM_RESOLVED", err)
	}

	// Warn needs a reason, then tells the author.
	_, items = post("Warn me 返利")
	if _, err := resolve(items[0].GetId(), moderationv1.PatrolAction_PATROL_ACTION_WARN, ""); !mapsEqual(fieldReasons(err), map[string]string{"note": "REASON_REQUIRED"}) {
		t.Fatalf("warn without a reason = %v, want REASON_REQUIRED", err)
	}
	if _, err := resolve(items[0].GetId(), moderationv1.PatrolAction_PATROL_ACTION_WARN, "no side deals"); err != nil {
		t.Fatal(err)
	}
	if n := b.count(t, `SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'moderation.warning' AND params->>'reason' = 'no side deals'`, clientID); n != 1 {
		t.Fatalf("warning notifications = %d, want 1", n)
	}

	// Take down: both items of the task are settled, the task is cancelled
	// and hidden from others, its client still sees it.
	task, items := post("Take me down 加微信")
	if len(items) != 2 {
		t.Fatalf("items = %v, want title and description", items)
	}
	down, err := resolve(items[0].GetId(), moderationv1.PatrolAction_PATROL_ACTION_TAKE_DOWN, "contact details")
	if err != nil || down.GetStatus() != moderationv1.PatrolStatus_PATROL_STATUS_TAKEN_DOWN {
		t.Fatalf("take down = %v, %v", down, err)
	}
	if n := b.count(t, `SELECT count(*) FROM moderation_patrol_items WHERE item_id = $1 AND status = 'taken_down'`, task.GetRef()); n != 2 {
		t.Fatalf("taken-down items of the task = %d, want 2", n)
	}
	if _, err := b.tasks.GetTask(otherCtx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: task.GetRef()})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("another user's GetTask of a taken-down task = %v, want not_found", err)
	}
	own, err := b.tasks.GetTask(clientCtx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: task.GetRef()}))
	if err != nil || own.Msg.GetTask().GetStatus() != tasksv1.TaskStatus_TASK_STATUS_CANCELLED {
		t.Fatalf("the client's GetTask = %v, %v; want it, cancelled", own, err)
	}
	if n := b.count(t, `SELECT count(*) FROM task_events WHERE actor_id = $1 AND to_status = 'cancelled' AND note LIKE '%contact details'`, adminID); n != 1 {
		t.Fatalf("take-down timeline events = %d, want 1", n)
	}
	if n := b.count(t, `SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'moderation.taken_down' AND link = $2`, clientID, "/tasks/"+task.GetRef()); n != 1 {
		t.Fatalf("take-down notifications = %d, want 1", n)
	}
	for _, action := range []string{"moderation.patrol_keep", "moderation.patrol_warn", "moderation.patrol_take_down"} {
		if n := b.count(t, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = $2`, adminID, action); n != 1 {
			t.Errorf("%s audit entries = %d, want 1", action, n)
		}
	}
	// Resolved items are listed by status.
	res, err := b.svc.ListPatrolItems(adminCtx, connect.NewRequest(&moderationv1.ListPatrolItemsRequest{Status: moderationv1.PatrolStatus_PATROL_STATUS_TAKEN_DOWN}))
	if err != nil || len(res.Msg.GetItems()) != 2 {
		t.Fatalf("taken-down list = %v, %v; want 2", res, err)
	}
}

// TestKeywordsHandler serves the lists as the edges fetch them: text,
// one keyword per line, a strong ETag that changes with the list, and 304
// for If-None-Match (SEC-5).
func TestKeywordsHandler(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.newUser(t, "Ops Admin", auth.RoleAdmin)
	srv := httptest.NewServer(moderation.KeywordsHandler(b.checker))
	t.Cleanup(srv.Close)
	get := func(path, etag string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	res, body := get("/keywords/block.txt", "")
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		!strings.HasPrefix(etag, `"block-1-`) || !strings.HasSuffix(etag, `"`) {
		t.Fatalf("GET block.txt = %d %v", res.StatusCode, res.Header)
	}
	if got := keywordmatch.ParseList([]byte(body)); len(got) != 8 || !slices.Contains(got, "赌博") || !strings.HasPrefix(body, "#") {
		t.Fatalf("block.txt = %q", body)
	}
	if res, body := get("/keywords/block.txt", etag); res.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("If-None-Match the current ETag = %d %q, want 304", res.StatusCode, body)
	}
	_, rbody := get("/keywords/review.txt", "")
	if got := keywordmatch.ParseList([]byte(rbody)); !slices.Contains(got, "加微信") || slices.Contains(got, "赌博") {
		t.Fatalf("review.txt = %q", rbody)
	}
	b.add(t, ctx, block, "新词")
	res, body = get("/keywords/block.txt", etag)
	if res.StatusCode != 200 || res.Header.Get("ETag") == etag || !slices.Contains(keywordmatch.ParseList([]byte(body)), "新词") {
		t.Fatalf("after a change: %d ETag %s body %q, want 200 with a new ETag and the word", res.StatusCode, res.Header.Get("ETag"), body)
	}
	if res, _ := get("/keywords/other.txt", ""); res.StatusCode != http.StatusNotFound {
		t.Fatalf("other.txt = %d, want 404", res.StatusCode)
	}
}

// TestChangeReachesAnotherProcess: a second checker with its own pool, as
// in another talentd process, picks up a change made through the first
// (SEC-5). It polls with a deadline; how fast is not asserted.
func TestChangeReachesAnotherProcess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.newUser(t, "Sync Admin", auth.RoleAdmin)
	other, err := postgres.Open(t.Context(), b.db.Primary.Config().ConnString(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	second := moderation.NewChecker(other, quietLogger(), moderation.CheckerOptions{PollInterval: 20 * time.Millisecond})
	runCtx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); second.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })

	text := moderation.Field{Name: "title", Text: "a ｍｏｏｎｓｈｉｎｅ deal"}
	if v, err := second.Check(t.Context(), text); err != nil || v.Blocked() {
		t.Fatalf("before the change: %v, %v; want allowed", v, err)
	}
	b.add(t, ctx, block, "moonshine")
	// The first process sees it at once.
	if v, _ := b.checker.Check(t.Context(), text); !v.Blocked() {
		t.Fatal("the process that made the change does not block the word")
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		v, err := second.Check(t.Context(), text)
		if err != nil {
			t.Fatal(err)
		}
		if v.Blocked() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second checker never saw the new keyword")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestProposalCoverNoteIsChecked: a provider's cover note is judged like a
// task's text (SEC-5: every text a user writes): a block word refuses the
// proposal and saves nothing; a review word sends it and queues it.
func TestProposalCoverNoteIsChecked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	clientCtx, _ := b.newUser(t, "Cover Client", auth.RoleClient)
	providerCtx, providerID := b.newUser(t, "Cover Provider", auth.RoleProvider)
	res, err := b.tasks.CreateTask(clientCtx, connect.NewRequest(validTask("Payments dashboard", "A dashboard.")))
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	ref := res.Msg.GetTask().GetRef()
	send := func(note string) error {
		_, err := b.tasks.CreateProposal(providerCtx, connect.NewRequest(&tasksv1.CreateProposalRequest{
			IdOrRef: ref, PriceFen: 600000, TimelineDays: 10, CoverNote: note,
		}))
		return err
	}
	if err := send("I can do it, and 赌 博 on the side."); !mapsEqual(fieldReasons(err), map[string]string{"cover_note": "CONTENT_BLOCKED"}) {
		t.Fatalf("SendProposal with a block word = %v, want CONTENT_BLOCKED on cover_note", err)
	}
	if n := b.count(t, `SELECT count(*) FROM proposals WHERE provider_id = $1`, providerID); n != 0 {
		t.Fatalf("%d proposals saved, want none", n)
	}
	if err := send("Happy to help; 加 微 信 for details."); err != nil {
		t.Fatalf("SendProposal with a review word: %v", err)
	}
	if n := b.count(t, `SELECT count(*) FROM moderation_patrol_items WHERE kind = 'proposal' AND author_id = $1`, providerID); n != 1 {
		t.Fatalf("patrol items for the proposal = %d, want 1", n)
	}
}
