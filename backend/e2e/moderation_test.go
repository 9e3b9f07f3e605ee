package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/devstack"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	moderationv1 "github.com/talent-hub/talent/proto/talent/moderation/v1"
	"github.com/talent-hub/talent/proto/talent/moderation/v1/moderationv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// listsCaddyfile is an edge that takes its keyword lists from talentd's
// ops listener (block_url/review_url), polled every 200 ms, in front of
// the platform's talentd: plain HTTP, so the test needs no certificates.
const listsCaddyfile = `{
	admin off
	auto_https off
	persist_config off
}

http://127.0.0.1:{$TEST_EDGE_PORT} {
	route {
		talent_keywords {
			block_url http://{$TEST_OPS_ADDR}/keywords/block.txt
			review_url http://{$TEST_OPS_ADDR}/keywords/review.txt
			reload_interval 200ms
			route rpc
		}
		reverse_proxy h2c://{$TEST_UPSTREAM} {
			transport http {
				versions h2c
			}
		}
	}
}
`

// signUpAs signs a new account up through the platform's edge and returns
// its email and a bearer token; with admin, the account is made an admin
// in the database first (there is no RPC that grants roles yet). The
// password is e2ePassword.
func signUpAs(ctx context.Context, t *testing.T, name string, admin bool) (email, token string) {
	t.Helper()
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	email = name + "-" + randomHex(t) + "@example.com"
	const password = e2ePassword
	if _, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: email, Password: password, DisplayName: name, ConsentVersion: "2026-11",
	})); err != nil {
		t.Fatalf("SignUp %s: %v", name, err)
	}
	if admin {
		conn, err := pgx.Connect(ctx, platform.stack.Postgres.URL)
		if err != nil {
			t.Fatalf("connect to postgres: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `UPDATE users SET roles = ARRAY['admin'] WHERE email = $1`, email); err != nil {
			t.Fatalf("make %s an admin: %v", name, err)
		}
	}
	login, err := identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: password, WantBearerToken: true}))
	if err != nil {
		t.Fatalf("LogIn %s: %v", name, err)
	}
	return email, login.Msg.GetBearerToken()
}

// e2ePassword is the password of the accounts signUpAs makes.
const e2ePassword = "correct horse battery"

func withToken[T any](msg *T, token string) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Authorization", "Bearer "+token)
	return req
}

// blockedBy returns the domain of err's CONTENT_BLOCKED ErrorInfo
// ("edge.talent" from the edge, "moderation.talent" from talentd), or "".
func blockedBy(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if info, ok := v.(*errdetails.ErrorInfo); ok && info.GetReason() == "CONTENT_BLOCKED" {
			return info.GetDomain()
		}
	}
	return ""
}

// TestAdminKeywordReachesEdge: an admin adds a block keyword through the
// moderation RPC; talentd refuses it at once, and a running talent-edge
// that fetches its lists from talentd's ops listener refuses a request
// containing it, written with a trick, without a restart (SEC-5; issue 4
// part 9, issue 6 part 3).
func TestAdminKeywordReachesEdge(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caddyfile := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(caddyfile, []byte(listsCaddyfile), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	edge, err := devstack.StartEdge(ctx, devstack.EdgeConfig{
		Binary:    filepath.Join(os.Getenv("TALENT_BIN_DIR"), "talent-edge"),
		Caddyfile: caddyfile,
		Env: []string{"TEST_EDGE_PORT=" + strconv.Itoa(port), "TEST_OPS_ADDR=" + platform.stack.Talentd.OpsAddr,
			"TEST_UPSTREAM=" + platform.stack.Talentd.HTTPAddr},
		ReadyAddr: addr,
		Dir:       filepath.Join(dir, "caddy"),
		LogFile:   filepath.Join(dir, "edge.log"),
	})
	if err != nil {
		t.Fatalf("start the lists edge: %v", err)
	}
	defer edge.Stop()
	defer func() {
		if t.Failed() {
			t.Logf("lists edge log:\n%s", tail(filepath.Join(dir, "edge.log"), 30))
		}
	}()

	_, adminToken := signUpAs(ctx, t, "moderation-admin", true)
	_, clientToken := signUpAs(ctx, t, "moderation-client", false)
	moderation := moderationv1connect.NewModerationServiceClient(platform.client, platform.url)
	viaListsEdge := tasksv1connect.NewTaskServiceClient(platform.client, "http://"+addr, connect.WithProtoJSON())
	viaPlatform := tasksv1connect.NewTaskServiceClient(platform.client, platform.url)

	word := "违禁" + randomHex(t)[:6]
	tomorrow := time.Now().In(shanghai(t)).AddDate(0, 0, 1).Format(time.DateOnly)
	task := func(description string) *tasksv1.CreateTaskRequest {
		return &tasksv1.CreateTaskRequest{
			Title: "Moderation e2e", Description: description, BudgetMinFen: 500000, BudgetMaxFen: 800000,
			DeliveryDate: tomorrow, SkillTags: []string{"Go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
		}
	}
	// Before the change the word passes both.
	if _, err := viaListsEdge.CreateTask(ctx, withToken(task("before: "+word), clientToken)); err != nil {
		t.Fatalf("CreateTask with %s before it is listed: %v", word, err)
	}

	added, err := moderation.AddKeywords(ctx, withToken(&moderationv1.AddKeywordsRequest{
		List: moderationv1.KeywordList_KEYWORD_LIST_BLOCK, Words: []string{word}, Note: "e2e",
	}, adminToken))
	if err != nil || len(added.Msg.GetAdded()) != 1 {
		t.Fatalf("AddKeywords: %v, %v", added, err)
	}

	// talentd itself refuses at once (its own check, through the
	// platform's edge, whose file lists do not have the word).
	tricky := "after: " + string([]rune(word)[:1]) + " * " + string([]rune(word)[1:])
	_, err = viaPlatform.CreateTask(ctx, withToken(task(tricky), clientToken))
	if got := blockedBy(err); got != "moderation.talent" {
		t.Fatalf("CreateTask through the platform after the change: %v (blocked by %q), want talentd's CONTENT_BLOCKED", err, got)
	}
	if got := violations(err); got["description"] != "CONTENT_BLOCKED" {
		t.Fatalf("violations = %v, want description CONTENT_BLOCKED", got)
	}

	// The lists edge refuses it once it has polled the new list.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := viaListsEdge.CreateTask(ctx, withToken(task(tricky), clientToken))
		if blockedBy(err) == "edge.talent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edge never refused %q: last answer %v", tricky, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKeywordChangeReachesAnotherTalentd: a second talentd process on the
// same database (serving only tasks) refuses a keyword an admin added
// through the first, without a restart; its ops listener serves the new
// list too (SEC-5, ARCH-3). It polls with a deadline.
func TestKeywordChangeReachesAnotherTalentd(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := platform.stack
	dir := t.TempDir()
	second, err := devstack.StartTalentd(ctx, devstack.TalentdConfig{
		Binary: filepath.Join(os.Getenv("TALENT_BIN_DIR"), "talentd"),
		Env: []string{
			"TALENT_DATABASE_URL=" + s.Postgres.URL, "TALENT_REDIS_URL=" + s.Redis.URL,
			"TALENT_S3_ENDPOINT=" + s.MinIO.Endpoint, "TALENT_S3_ACCESS_KEY=" + s.MinIO.AccessKey,
			"TALENT_S3_SECRET_KEY=" + s.MinIO.SecretKey, "TALENT_S3_SECURE=false",
			"TALENT_LOG_FORMAT=json", "TALENT_SERVICES=tasks",
		},
		LogFile: filepath.Join(dir, "talentd.log"),
	})
	if err != nil {
		t.Fatalf("start a second talentd: %v", err)
	}
	defer second.Stop()

	_, adminToken := signUpAs(ctx, t, "sync-admin", true)
	_, clientToken := signUpAs(ctx, t, "sync-client", false)
	word := "同步" + randomHex(t)[:6]
	tasks := tasksv1connect.NewTaskServiceClient(http.DefaultClient, second.URL)
	tomorrow := time.Now().In(shanghai(t)).AddDate(0, 0, 1).Format(time.DateOnly)
	req := func() *connect.Request[tasksv1.CreateTaskRequest] {
		return withToken(&tasksv1.CreateTaskRequest{
			Title: "Sync " + word, Description: "Two processes.", BudgetMinFen: 500000, BudgetMaxFen: 800000,
			DeliveryDate: tomorrow, SkillTags: []string{"Go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
		}, clientToken)
	}
	if _, err := tasks.CreateTask(ctx, req()); err != nil {
		t.Fatalf("CreateTask on the second talentd before the change: %v", err)
	}
	moderation := moderationv1connect.NewModerationServiceClient(platform.client, platform.url)
	if _, err := moderation.AddKeywords(ctx, withToken(&moderationv1.AddKeywordsRequest{
		List: moderationv1.KeywordList_KEYWORD_LIST_BLOCK, Words: []string{word},
	}, adminToken)); err != nil {
		t.Fatalf("AddKeywords on the first talentd: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := tasks.CreateTask(ctx, req())
		if blockedBy(err) == "moderation.talent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second talentd never refused %s: last answer %v\n%s", word, err, tail(filepath.Join(dir, "talentd.log"), 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
	res, err := http.Get("http://" + second.OpsAddr + "/keywords/block.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "\n"+word+"\n") {
		t.Fatalf("the second talentd's block.txt: %d, without %s", res.StatusCode, word)
	}
}
