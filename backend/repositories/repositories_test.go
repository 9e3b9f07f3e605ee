package repositories

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/tasks"
	"github.com/talent-hub/talent/backend/testenv"
	repositoriesv1 "github.com/talent-hub/talent/proto/talent/repositories/v1"
)

func TestMain(m *testing.M) { testenv.Run(m) }

func TestParseRepositoryURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, host, path, reason string
	}{
		{"https://github.com/acme-dev/shop-api", hostGitHub, "acme-dev/shop-api", ""},
		{"https://github.com/acme-dev/shop-api.git", hostGitHub, "acme-dev/shop-api", ""},
		{" https://www.github.com/acme-dev/shop-api/tree/main/cmd ", hostGitHub, "acme-dev/shop-api", ""},
		{"https://gitlab.com/acme/apps/mobile-app", hostGitLab, "acme/apps/mobile-app", ""},
		{"https://gitlab.com/acme/apps/mobile-app/-/merge_requests/12", hostGitLab, "acme/apps/mobile-app", ""},
		{"https://gitlab.com/acme/apps/mobile-app.git", hostGitLab, "acme/apps/mobile-app", ""},
		{"https://bitbucket.org/acme/shop", "", "", reasonHostUnsupported},
		{"http://github.com/acme/shop", "", "", reasonURLInvalid},
		{"https://github.com/acme", "", "", reasonURLInvalid},
		{"https://user:pw@github.com/acme/shop", "", "", reasonURLInvalid},
		{"https://github.com/acme/shop?tab=readme", "", "", reasonURLInvalid},
		{"https://github.com/acme/..", "", "", reasonURLInvalid},
		{"https://github.com/acme/<script>", "", "", reasonURLInvalid},
		{"acme/shop", "", "", reasonURLInvalid},
		{"", "", "", reasonURLInvalid},
	}
	for _, tt := range tests {
		host, path, reason := parseRepositoryURL(tt.in)
		if host != tt.host || path != tt.path || reason != tt.reason {
			t.Errorf("parseRepositoryURL(%q) = %q, %q, %q; want %q, %q, %q", tt.in, host, path, reason, tt.host, tt.path, tt.reason)
		}
	}
}

// bundle is one test's world: a task between a client and a provider, a
// stranger, and the service with its webhook receiver.
type bundle struct {
	db                         *postgres.DB
	svc                        *Service
	hooks                      *httptest.Server
	task                       uuid.UUID
	ref                        string
	client, provider, stranger context.Context
	clientID, providerID       uuid.UUID
}

func setup(t *testing.T) *bundle {
	t.Helper()
	db := testenv.DB(t)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	b := &bundle{db: db, svc: New(db, tasks.New(db, logger, tasks.Options{}), logger)}
	user := func() (context.Context, uuid.UUID) {
		var id uuid.UUID
		err := db.Primary.QueryRow(t.Context(), `
			INSERT INTO users (email, password_hash, display_name, roles, consent_version)
			VALUES ($1, 'x', 'Test', ARRAY['client', 'provider'], '1') RETURNING id`, uuid.NewString()+"@example.com").Scan(&id)
		if err != nil {
			t.Fatalf("insert user: %v", err)
		}
		return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id.String(), Roles: []string{auth.RoleClient, auth.RoleProvider}}), id
	}
	b.client, b.clientID = user()
	b.provider, b.providerID = user()
	b.stranger, _ = user()
	var refNo int64
	err := db.Primary.QueryRow(t.Context(), `
		INSERT INTO tasks (client_id, provider_id, title, budget_min_fen, budget_max_fen, delivery_date, skill_tags, status)
		VALUES ($1, $2, 'Shop API', 100000, 200000, DATE '2030-01-01', ARRAY['go'], 'in_progress') RETURNING id, ref_no`,
		b.clientID, b.providerID).Scan(&b.task, &refNo)
	if err != nil {
		t.Fatal(err)
	}
	b.ref = fmt.Sprintf("T-%06d", refNo)
	b.hooks = httptest.NewServer(b.svc.Webhooks())
	t.Cleanup(b.hooks.Close)
	return b
}

func (b *bundle) link(t *testing.T, ctx context.Context, url string) *repositoriesv1.RepositoryLink {
	t.Helper()
	res, err := b.svc.LinkRepository(ctx, connect.NewRequest(&repositoriesv1.LinkRepositoryRequest{Task: b.ref, Url: url}))
	if err != nil {
		t.Fatalf("LinkRepository(%s): %v", url, err)
	}
	return res.Msg.GetLink()
}

// TestLinks: the parties link, see and unlink repositories; nobody else
// can (TASK-3).
func TestLinks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	gh := b.link(t, b.client, "https://github.com/acme-dev/shop-api")
	if gh.GetWebhookPath() != "/hooks/github/"+gh.GetId() || len(gh.GetWebhookSecret()) < 32 ||
		gh.GetVscodeUrl() != "https://vscode.dev/github/acme-dev/shop-api" ||
		gh.GetCodesandboxUrl() != "https://codesandbox.io/p/github/acme-dev/shop-api" || gh.GetTask() != b.ref {
		t.Fatalf("github link = %v", gh)
	}
	gl := b.link(t, b.provider, "https://gitlab.com/acme/apps/mobile-app")
	if gl.GetVscodeUrl() != "https://gitlab.com/-/ide/project/acme/apps/mobile-app" || gl.GetCodesandboxUrl() != "" {
		t.Fatalf("gitlab link = %v", gl)
	}

	_, err := b.svc.LinkRepository(b.client, connect.NewRequest(&repositoriesv1.LinkRepositoryRequest{Task: b.ref, Url: "https://github.com/acme-dev/shop-api.git"}))
	if v := badrequest.FromError(err); len(v) != 1 || v[0].Reason != "REPOSITORY_ALREADY_LINKED" {
		t.Fatalf("linking twice: %v", err)
	}
	_, err = b.svc.LinkRepository(b.client, connect.NewRequest(&repositoriesv1.LinkRepositoryRequest{Task: b.ref, Url: "https://bitbucket.org/a/b"}))
	if v := badrequest.FromError(err); len(v) != 1 || v[0].Reason != reasonHostUnsupported {
		t.Fatalf("bitbucket: %v", err)
	}

	calls := map[string]func(ctx context.Context) error{
		"LinkRepository": func(ctx context.Context) error {
			_, err := b.svc.LinkRepository(ctx, connect.NewRequest(&repositoriesv1.LinkRepositoryRequest{Task: b.ref, Url: "https://github.com/x/y"}))
			return err
		},
		"ListRepositoryLinks": func(ctx context.Context) error {
			_, err := b.svc.ListRepositoryLinks(ctx, connect.NewRequest(&repositoriesv1.ListRepositoryLinksRequest{Task: b.ref}))
			return err
		},
		"ListRepositoryActivity": func(ctx context.Context) error {
			_, err := b.svc.ListRepositoryActivity(ctx, connect.NewRequest(&repositoriesv1.ListRepositoryActivityRequest{Task: b.ref}))
			return err
		},
		"UnlinkRepository": func(ctx context.Context) error {
			_, err := b.svc.UnlinkRepository(ctx, connect.NewRequest(&repositoriesv1.UnlinkRepositoryRequest{LinkId: gh.GetId()}))
			return err
		},
	}
	for name, call := range calls {
		if err := call(b.stranger); connect.CodeOf(err) != connect.CodePermissionDenied {
			t.Errorf("%s as a stranger: %v, want permission denied", name, err)
		}
	}

	list, err := b.svc.ListRepositoryLinks(b.provider, connect.NewRequest(&repositoriesv1.ListRepositoryLinksRequest{Task: b.ref}))
	if err != nil || len(list.Msg.GetLinks()) != 2 || list.Msg.GetLinks()[0].GetWebhookSecret() != gh.GetWebhookSecret() {
		t.Fatalf("ListRepositoryLinks = %v, %v", list, err)
	}
	if err := calls["UnlinkRepository"](b.provider); err != nil {
		t.Fatalf("UnlinkRepository: %v", err)
	}
	var kinds []string
	rows, err := b.db.Primary.Query(t.Context(), `SELECT kind FROM events WHERE user_id = $1 ORDER BY seq`, b.clientID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	// The provider's link told the client (a notification).
	if fmt.Sprint(kinds) != "[repo.linked repo.linked notification repo.unlinked]" {
		t.Fatalf("client's events = %v", kinds)
	}
}

// delivery is one webhook request of a test.
type hook struct {
	host, event, file, id string
	sign                  func(secret string, body []byte) string
}

func githubSignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (b *bundle) send(t *testing.T, link *repositoriesv1.RepositoryLink, path string, h hook, body []byte, secret string) (int, string) {
	t.Helper()
	if body == nil {
		var err error
		body, err = os.ReadFile(filepath.Join("testdata", h.file))
		if err != nil {
			t.Fatal(err)
		}
	}
	if path == "" {
		path = link.GetWebhookPath()
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.hooks.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	switch h.host {
	case hostGitHub:
		req.Header.Set("User-Agent", "GitHub-Hookshot/6d8e3a1")
		req.Header.Set("X-GitHub-Event", h.event)
		req.Header.Set("X-GitHub-Delivery", h.id)
		req.Header.Set("X-GitHub-Hook-ID", "30")
		if secret != "" {
			req.Header.Set("X-Hub-Signature-256", githubSignature(secret, body))
		}
	case hostGitLab:
		req.Header.Set("User-Agent", "GitLab/18.6.0-ee")
		req.Header.Set("X-Gitlab-Event", h.event)
		req.Header.Set("X-Gitlab-Event-UUID", h.id)
		req.Header.Set("Idempotency-Key", h.id)
		req.Header.Set("X-Gitlab-Instance", "https://gitlab.com")
		if secret != "" {
			req.Header.Set("X-Gitlab-Token", secret)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(text))
}

// TestWebhooks: signed deliveries in GitHub's and GitLab's shapes are
// stored once; unsigned, wrongly signed, replayed, misaddressed and
// oversized ones are not (TASK-3).
func TestWebhooks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	gh := b.link(t, b.client, "https://github.com/acme-dev/shop-api")
	gl := b.link(t, b.client, "https://gitlab.com/acme/apps/mobile-app")
	links := map[string]*repositoriesv1.RepositoryLink{hostGitHub: gh, hostGitLab: gl}

	tests := []struct {
		name   string
		hook   hook
		secret string // "" sends no signature or token
		path   string // "" is the link's own
		body   []byte
		status int
	}{
		{"github push", hook{hostGitHub, "push", "github_push.json", "d-1", nil}, gh.GetWebhookSecret(), "", nil, http.StatusAccepted},
		{"github push replayed", hook{hostGitHub, "push", "github_push.json", "d-1", nil}, gh.GetWebhookSecret(), "", nil, http.StatusOK},
		{"github pull request", hook{hostGitHub, "pull_request", "github_pull_request.json", "d-2", nil}, gh.GetWebhookSecret(), "", nil, http.StatusAccepted},
		{"github check run", hook{hostGitHub, "check_run", "github_check_run.json", "d-3", nil}, gh.GetWebhookSecret(), "", nil, http.StatusAccepted},
		{"github workflow run", hook{hostGitHub, "workflow_run", "github_workflow_run.json", "d-4", nil}, gh.GetWebhookSecret(), "", nil, http.StatusAccepted},
		{"github ping", hook{hostGitHub, "ping", "github_ping.json", "d-5", nil}, gh.GetWebhookSecret(), "", nil, http.StatusAccepted},
		{"github wrong secret", hook{hostGitHub, "push", "github_push.json", "d-6", nil}, gl.GetWebhookSecret(), "", nil, http.StatusUnauthorized},
		{"github unsigned", hook{hostGitHub, "push", "github_push.json", "d-7", nil}, "", "", nil, http.StatusUnauthorized},
		{"github no delivery id", hook{hostGitHub, "push", "github_push.json", "", nil}, gh.GetWebhookSecret(), "", nil, http.StatusBadRequest},
		{"github to the gitlab path", hook{hostGitHub, "push", "github_push.json", "d-8", nil}, gh.GetWebhookSecret(), "/hooks/gitlab/" + gh.GetId(), nil, http.StatusNotFound},
		{"github unknown link", hook{hostGitHub, "push", "github_push.json", "d-9", nil}, gh.GetWebhookSecret(), "/hooks/github/" + uuid.NewString(), nil, http.StatusNotFound},
		{"github too large", hook{hostGitHub, "push", "", "d-10", nil}, gh.GetWebhookSecret(), "", bytes.Repeat([]byte(" "), MaxWebhookBytes+1), http.StatusRequestEntityTooLarge},
		{"gitlab push", hook{hostGitLab, "Push Hook", "gitlab_push.json", "g-1", nil}, gl.GetWebhookSecret(), "", nil, http.StatusAccepted},
		{"gitlab push replayed", hook{hostGitLab, "Push Hook", "gitlab_push.json", "g-1", nil}, gl.GetWebhookSecret(), "", nil, http.StatusOK},
		{"gitlab merge request", hook{hostGitLab, "Merge Request Hook", "gitlab_merge_request.json", "g-2", nil}, gl.GetWebhookSecret(), "", nil, http.StatusAccepted},
		{"gitlab pipeline", hook{hostGitLab, "Pipeline Hook", "gitlab_pipeline.json", "g-3", nil}, gl.GetWebhookSecret(), "", nil, http.StatusAccepted},
		{"gitlab wrong token", hook{hostGitLab, "Push Hook", "gitlab_push.json", "g-4", nil}, gh.GetWebhookSecret(), "", nil, http.StatusUnauthorized},
		{"gitlab no token", hook{hostGitLab, "Push Hook", "gitlab_push.json", "g-5", nil}, "", "", nil, http.StatusUnauthorized},
	}
	// In order: the replays follow their originals.
	for _, tt := range tests {
		status, text := b.send(t, links[tt.hook.host], tt.path, tt.hook, tt.body, tt.secret)
		if status != tt.status {
			t.Errorf("%s: status %d (%s), want %d", tt.name, status, text, tt.status)
		}
	}

	res, err := b.svc.ListRepositoryActivity(b.provider, connect.NewRequest(&repositoriesv1.ListRepositoryActivityRequest{Task: b.ref}))
	if err != nil {
		t.Fatal(err)
	}
	a := res.Msg
	var pushes []string
	for _, p := range a.GetPushes() {
		pushes = append(pushes, fmt.Sprintf("%s %s by %s: %d, first %q", p.GetRepository(), p.GetBranch(), p.GetPusher(), p.GetCommitCount(), p.GetCommits()[0].GetMessage()))
	}
	wantPushes := `[acme/apps/mobile-app develop by zhangwei: 4, first "Login screen" acme-dev/shop-api main by lihua: 2, first "Add order search"]`
	if fmt.Sprint(pushes) != wantPushes {
		t.Errorf("pushes = %s\nwant %s", pushes, wantPushes)
	}
	var prs []string
	for _, p := range a.GetPullRequests() {
		prs = append(prs, fmt.Sprintf("%s#%d %s %s", p.GetRepository(), p.GetNumber(), p.GetState(), p.GetTitle()))
	}
	if want := "[acme/apps/mobile-app#12 draft Draft: Login screen acme-dev/shop-api#7 merged Order search]"; fmt.Sprint(prs) != want {
		t.Errorf("pull requests = %s, want %s", prs, want)
	}
	var checks []string
	for _, c := range a.GetChecks() {
		checks = append(checks, fmt.Sprintf("%s %s@%s %s", c.GetRepository(), c.GetName(), c.GetBranch(), c.GetState()))
	}
	if want := "[acme/apps/mobile-app Pipeline for branch: develop@develop success acme-dev/shop-api CI@main running acme-dev/shop-api test (go 1.26)@main failure]"; fmt.Sprint(checks) != want {
		t.Errorf("checks = %s, want %s", checks, want)
	}

	// Each stored delivery told both parties once; the replays nothing.
	for who, id := range map[string]uuid.UUID{"client": b.clientID, "provider": b.providerID} {
		var n int
		if err := b.db.Primary.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE user_id = $1 AND kind LIKE 'repo._%' AND kind <> 'repo.linked'`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 7 {
			t.Errorf("%s got %d repository events, want 7", who, n)
		}
		// The failed check run is a notification to both.
		var params string
		if err := b.db.Primary.QueryRow(t.Context(), `SELECT params::text FROM notifications WHERE user_id = $1 AND kind = 'repo.ci_failed'`, id).Scan(&params); err != nil {
			t.Errorf("%s: no repo.ci_failed notification: %v", who, err)
		} else if !strings.Contains(params, `"name": "test (go 1.26)"`) {
			t.Errorf("%s: repo.ci_failed params %s", who, params)
		}
	}
}
