package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/oauthtest"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// errorInfoReason returns the google.rpc.ErrorInfo reason in err, or "".
func errorInfoReason(err error) string {
	cerr, ok := errors.AsType[*connect.Error](err)
	if !ok {
		return ""
	}
	for _, d := range cerr.Details() {
		if v, err := d.Value(); err == nil {
			if info, ok := v.(*errdetails.ErrorInfo); ok {
				return info.GetReason()
			}
		}
	}
	return ""
}

// TestCSRF: a state-changing RPC that rides on the session cookie must come
// from the site itself; bearer-token calls and calls without the cookie
// are not affected (ID-1, SEC-1).
func TestCSRF(t *testing.T) {
	t.Parallel()
	srv := startServer(t, append(testArgs(t), "--public-url", "https://talent.test", "--trusted-origins", "https://m.talent.test"))
	client := identityv1connect.NewIdentityServiceClient(http1Client(), srv.baseURL)
	resp, err := client.SignUp(t.Context(), connect.NewRequest(&identityv1.SignUpRequest{
		Email: "csrf@example.com", Password: "correct horse battery", DisplayName: "C", ConsentVersion: "2026-11", WantBearerToken: true,
	}))
	if err != nil {
		t.Fatalf("sign up: %v", err)
	}
	token := resp.Msg.GetBearerToken()
	self := srv.baseURL // talentd sees its own host as the request's Host

	tests := []struct {
		name       string
		cookie     bool
		bearer     bool
		origin     string
		fetchSite  string
		wantRefuse bool
	}{
		{name: "same origin by Sec-Fetch-Site", cookie: true, origin: self, fetchSite: "same-origin"},
		{name: "same host by Origin (no Sec-Fetch-Site)", cookie: true, origin: self},
		{name: "configured public origin", cookie: true, origin: "https://talent.test", fetchSite: "cross-site"},
		{name: "configured trusted origin", cookie: true, origin: "https://m.talent.test", fetchSite: "same-site"},
		{name: "no browser headers (curl)", cookie: true},
		{name: "cross-site", cookie: true, origin: "https://evil.example", fetchSite: "cross-site", wantRefuse: true},
		{name: "cross-site, old browser", cookie: true, origin: "https://evil.example", wantRefuse: true},
		{name: "sibling subdomain", cookie: true, origin: "https://evil.talent.test", fetchSite: "same-site", wantRefuse: true},
		{name: "bearer token is exempt", bearer: true, origin: "https://evil.example", fetchSite: "cross-site"},
		{name: "cookie and bearer", cookie: true, bearer: true, origin: "https://evil.example", fetchSite: "cross-site"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := connect.NewRequest(&identityv1.UpdatePrivacySettingsRequest{Settings: &identityv1.PrivacySettings{HideCity: true}})
			if tt.cookie {
				req.Header().Set("Cookie", auth.CookieName+"="+token)
			}
			if tt.bearer {
				req.Header().Set("Authorization", "Bearer "+token)
			}
			if tt.origin != "" {
				req.Header().Set("Origin", tt.origin)
			}
			if tt.fetchSite != "" {
				req.Header().Set("Sec-Fetch-Site", tt.fetchSite)
			}
			_, err := client.UpdatePrivacySettings(t.Context(), req)
			switch {
			case tt.wantRefuse && (connect.CodeOf(err) != connect.CodePermissionDenied || errorInfoReason(err) != auth.ReasonCSRF):
				t.Errorf("err %v (reason %q), want PERMISSION_DENIED with reason CSRF", err, errorInfoReason(err))
			case !tt.wantRefuse && err != nil:
				t.Errorf("err %v, want allowed", err)
			}
		})
	}

	// A read (GET) and a call without the cookie are never refused as
	// cross-site; an anonymous public call from another site is still
	// answered on its merits.
	t.Run("anonymous public call", func(t *testing.T) {
		t.Parallel()
		req := connect.NewRequest(&identityv1.LogInRequest{Email: "csrf@example.com", Password: "wrong password!"})
		req.Header().Set("Origin", "https://evil.example")
		req.Header().Set("Sec-Fetch-Site", "cross-site")
		_, err := client.LogIn(t.Context(), req)
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("err %v, want UNAUTHENTICATED (bad credentials)", err)
		}
	})
}

// TestOAuthThroughTalentd signs in with GitHub (a stand-in) through
// talentd's /auth routes over real HTTP, with a cookie jar as the browser,
// and checks that a callback with a state this browser did not start is
// refused.
func TestOAuthThroughTalentd(t *testing.T) {
	t.Parallel()
	gh := oauthtest.NewGitHub("gh-id", "gh-secret")
	t.Cleanup(gh.Close)
	srv := startServer(t, append(testArgs(t), "--public-url", "https://talent.test",
		"--github-client-id", "gh-id", "--github-client-secret", "gh-secret", "--github-url", gh.URL, "--github-api-url", gh.URL))
	gh.SignInAs(oauthtest.GitHubUser{ID: 7, Login: "seven", Name: "Seven", Email: "seven@example.com", Verified: true})

	providers, err := identityv1connect.NewIdentityServiceClient(http1Client(), srv.baseURL).
		ListLoginProviders(t.Context(), connect.NewRequest(&identityv1.ListLoginProvidersRequest{}))
	if err != nil || len(providers.Msg.GetProviders()) != 1 || providers.Msg.GetProviders()[0].GetStartPath() != "/auth/github/start" {
		t.Fatalf("providers %v, %v: want github only", providers, err)
	}

	newBrowser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// step GETs u and returns the redirect target; the public URL the
	// provider sends the browser back to is talentd's address here.
	step := func(t *testing.T, c *http.Client, u string) *url.URL {
		t.Helper()
		u = strings.Replace(u, "https://talent.test", srv.baseURL, 1)
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("GET %s: %s, want a redirect", u, resp.Status)
		}
		return loc
	}
	browser := newBrowser()
	authURL := step(t, browser, srv.baseURL+"/auth/github/start?consent=2026-11")
	if !strings.HasPrefix(authURL.String(), gh.URL+"/login/oauth/authorize?") || authURL.Query().Get("redirect_uri") != "https://talent.test/auth/github/callback" {
		t.Fatalf("start sent the browser to %s", authURL)
	}
	callback := step(t, browser, authURL.String())

	// Another browser cannot complete this flow.
	if got := step(t, newBrowser(), callback.String()); got.Query().Get("oauth_error") != "OAUTH_STATE_INVALID" {
		t.Errorf("callback in another browser ended at %s", got)
	}
	done := step(t, browser, callback.String())
	if done.Path != "/" {
		t.Fatalf("sign-in ended at %s", done)
	}
	// The browser now has a session: GetMe works with its cookies.
	base, _ := url.Parse(srv.baseURL)
	var cookies []string
	for _, c := range browser.Jar.Cookies(base) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	req := connect.NewRequest(&identityv1.GetMeRequest{})
	req.Header().Set("Cookie", strings.Join(cookies, "; "))
	me, err := identityv1connect.NewIdentityServiceClient(http1Client(), srv.baseURL).GetMe(t.Context(), req)
	if err != nil || me.Msg.GetUser().GetDisplayName() != "Seven" {
		t.Fatalf("GetMe after GitHub sign-in: %v, %v", me, err)
	}
}

// TestAccessConfig checks the access flags and that the config log masks
// the providers' secrets.
func TestAccessConfig(t *testing.T) {
	t.Parallel()
	base := []string{"talentd", "--database-url", "postgres://db/talent", "--redis-url", "redis://cache", "--s3-endpoint", "minio:9000", "--services", "identity"}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "defaults"},
		{name: "both providers", args: []string{"--github-client-id", "gid", "--github-client-secret", "gh-top-secret", "--wechat-app-id", "wxid", "--wechat-app-secret", "wx-top-secret"}},
		{name: "id without secret", args: []string{"--github-client-id", "gid"}, wantErr: "--github-client-id and --github-client-secret go together"},
		{name: "secret without id", args: []string{"--wechat-app-secret", "s"}, wantErr: "--wechat-app-id and --wechat-app-secret go together"},
		{name: "public url with a path", args: []string{"--public-url", "https://talent.test/app"}, wantErr: "--public-url"},
		{name: "bad trusted origin", args: []string{"--trusted-origins", "talent.test"}, wantErr: "--trusted-origins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseConfig(append(append([]string{}, base...), tt.args...), noEnv, &bytes.Buffer{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			slog.New(slog.NewJSONHandler(&out, nil)).Info("starting", "config", cfg)
			for _, secret := range []string{"gh-top-secret", "wx-top-secret"} {
				if strings.Contains(out.String(), secret) {
					t.Errorf("config log shows %s: %s", secret, out.String())
				}
			}
			if len(tt.args) > 0 && !strings.Contains(out.String(), `"github_client_secret":"xxxxx"`) {
				t.Errorf("config log does not show the secret as set: %s", out.String())
			}
			if !strings.Contains(out.String(), `"public_url":"https://localhost:8443"`) {
				t.Errorf("config log lacks the public URL: %s", out.String())
			}
		})
	}
}

// TestExportThroughTalentd: "download my data" holds the account and the
// areas talentd wires in, here the task the person posted with its timeline
// (SEC-4).
func TestExportThroughTalentd(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testArgs(t))
	hc := http1Client()
	id := identityv1connect.NewIdentityServiceClient(hc, srv.baseURL)
	resp, err := id.SignUp(t.Context(), connect.NewRequest(&identityv1.SignUpRequest{
		Email: "exporter@example.com", Password: "correct horse battery", DisplayName: "E", ConsentVersion: "2026-11", WantBearerToken: true,
	}))
	if err != nil {
		t.Fatal(err)
	}
	token := resp.Msg.GetBearerToken()
	delivery := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	_, err = tasksv1connect.NewTaskServiceClient(hc, srv.baseURL).CreateTask(t.Context(), withBearer(connect.NewRequest(&tasksv1.CreateTaskRequest{
		Title: "Export me", Description: "A task to find in the export.", BudgetMinFen: 200_000, BudgetMaxFen: 300_000,
		DeliveryDate: delivery, SkillTags: []string{"go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
	}), token))
	if err != nil {
		t.Fatalf("create task: %v", err)
	}
	export, err := id.ExportMyData(t.Context(), withBearer(connect.NewRequest(&identityv1.ExportMyDataRequest{}), token))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Account struct {
			Email string `json:"email"`
		} `json:"account"`
		Tasks []struct {
			Task struct {
				Title string `json:"title"`
			} `json:"task"`
			Events []json.RawMessage `json:"events"`
		} `json:"tasks"`
		Notifications []json.RawMessage `json:"notifications"`
	}
	if err := json.Unmarshal(export.Msg.GetJson(), &got); err != nil {
		t.Fatalf("export: %v\n%s", err, export.Msg.GetJson())
	}
	if got.Account.Email != "exporter@example.com" || len(got.Tasks) != 1 || got.Tasks[0].Task.Title != "Export me" ||
		len(got.Tasks[0].Events) == 0 || got.Notifications == nil {
		t.Errorf("export:\n%s", export.Msg.GetJson())
	}
}
