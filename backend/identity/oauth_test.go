package identity

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/oauthtest"
	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

const testPublicURL = "https://talent.test"

// oauthBundle is a service with GitHub and WeChat sign-in against
// stand-ins.
type oauthBundle struct {
	bundle
	gh *oauthtest.GitHub
	wc *oauthtest.WeChat
	h  http.Handler
}

func setupOAuth(t *testing.T, edit func(*OAuthOptions)) oauthBundle {
	t.Helper()
	gh := oauthtest.NewGitHub("gh-client", "gh-secret")
	t.Cleanup(gh.Close)
	wc := oauthtest.NewWeChat("wx-app", "wx-secret")
	t.Cleanup(wc.Close)
	o := OAuthOptions{
		PublicURL: testPublicURL,
		GitHub:    GitHubConfig{ClientID: "gh-client", ClientSecret: "gh-secret", URL: gh.URL, APIURL: gh.URL},
		WeChat:    WeChatConfig{AppID: "wx-app", AppSecret: "wx-secret", URL: wc.URL, APIURL: wc.URL},
	}
	if edit != nil {
		edit(&o)
	}
	_, rdb := testenv.Redis(t)
	b := setup(t, Options{Redis: rdb, OAuth: o})
	return oauthBundle{bundle: b, gh: gh, wc: wc, h: b.svc.OAuthHandler()}
}

// browser is one browser's cookies for the site, enough for the flow.
type browser struct {
	cookies map[string]string
}

func newBrowser() *browser { return &browser{cookies: map[string]string{}} }

func (br *browser) keep(resp *http.Response) {
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(br.cookies, c.Name)
		} else {
			br.cookies[c.Name] = c.Value
		}
	}
}

// get calls the service's handler at path (a site-relative URL) as br and
// returns the redirect's Location.
func (b oauthBundle) get(t *testing.T, br *browser, path string, header ...string) *url.URL {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, testPublicURL+path, nil)
	for name, v := range br.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	resp := rec.Result()
	br.keep(resp)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET %s: %s, want a redirect", path, resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return loc
}

// atProvider follows the provider's authorize URL (the stand-in approves
// at once) and returns the site-relative callback URL it sends back to.
func atProvider(t *testing.T, authURL *url.URL) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL.String())
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize answered %s without a redirect", resp.Status)
	}
	if got := loc.Scheme + "://" + loc.Host; got != testPublicURL {
		t.Fatalf("provider sent the browser to %s, want %s", loc, testPublicURL)
	}
	return loc.RequestURI()
}

// signIn runs a whole flow from start to callback and returns where the
// browser ends up.
func (b oauthBundle) signIn(t *testing.T, br *browser, provider, query string) *url.URL {
	t.Helper()
	auth := b.get(t, br, "/auth/"+provider+"/start"+query)
	return b.get(t, br, atProvider(t, auth))
}

func oauthError(u *url.URL) string { return u.Query().Get("oauth_error") }

func (b oauthBundle) principal(t *testing.T, br *browser) (auth.Principal, bool) {
	t.Helper()
	p, err := b.svc.Authenticate(t.Context(), br.cookies[auth.CookieName])
	return p, err == nil
}

// TestOAuthLogIn signs in with GitHub and WeChat through the stand-ins
// (ID-1): a new person gets an account, a returning one the same account.
func TestOAuthLogIn(t *testing.T) {
	t.Parallel()
	b := setupOAuth(t, nil)
	tests := []struct {
		name     string
		provider string
		as       func()
		wantMail string
		wantName string
	}{
		{
			name: "github with verified email", provider: "github",
			as: func() {
				b.gh.SignInAs(oauthtest.GitHubUser{ID: 101, Login: "octo", Name: "Octo Cat", Email: "Octo@Example.com", Verified: true})
			},
			wantMail: "octo@example.com", wantName: "Octo Cat",
		},
		{
			name: "github unverified email is not kept", provider: "github",
			as:       func() { b.gh.SignInAs(oauthtest.GitHubUser{ID: 102, Login: "noname", Email: "x@example.com"}) },
			wantName: "noname",
		},
		{
			name: "wechat with unionid", provider: "wechat",
			as:       func() { b.wc.SignInAs(oauthtest.WeChatUser{OpenID: "o-1", UnionID: "u-1", Nickname: "小明"}) },
			wantName: "小明",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the stand-ins sign in one person at a time.
			tt.as()
			before := countUsers(t, b.db)
			br := newBrowser()
			got := b.signIn(t, br, tt.provider, "?consent=2026-11")
			if got.Path != "/" || oauthError(got) != "" {
				t.Fatalf("ended at %s, want /", got)
			}
			p, ok := b.principal(t, br)
			if !ok {
				t.Fatal("no session after sign-in")
			}
			if n := countUsers(t, b.db); n != before+1 {
				t.Errorf("users: %d, want %d", n, before+1)
			}
			me, err := b.svc.GetMe(auth.WithPrincipal(t.Context(), p), connect.NewRequest(&identityv1.GetMeRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			if u := me.Msg.GetUser(); u.GetEmail() != tt.wantMail || u.GetDisplayName() != tt.wantName {
				t.Errorf("user %q %q, want %q %q", u.GetEmail(), u.GetDisplayName(), tt.wantMail, tt.wantName)
			}
			// Again, in another browser: the same account.
			br2 := newBrowser()
			if got := b.signIn(t, br2, tt.provider, ""); got.Path != "/" {
				t.Fatalf("second sign-in ended at %s", got)
			}
			p2, _ := b.principal(t, br2)
			if p2.UserID != p.UserID {
				t.Errorf("second sign-in as %s, want %s", p2.UserID, p.UserID)
			}
			if n := countUsers(t, b.db); n != before+1 {
				t.Errorf("users after second sign-in: %d, want %d", n, before+1)
			}
		})
	}
}

// TestOAuthRefusals covers the ways a provider sign-in fails, each ending
// on the login page with a reason and no session.
func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	b := setupOAuth(t, nil)
	signUp(t, b.svc, validSignUp("taken@example.com"))

	t.Run("email of an existing account is not merged", func(t *testing.T) {
		b.gh.SignInAs(oauthtest.GitHubUser{ID: 201, Login: "taker", Email: "Taken@example.com", Verified: true})
		before := countUsers(t, b.db)
		br := newBrowser()
		got := b.signIn(t, br, "github", "?consent=2026-11")
		if got.Path != "/login" || oauthError(got) != ReasonEmailInUse {
			t.Errorf("ended at %s, want /login?oauth_error=%s", got, ReasonEmailInUse)
		}
		if _, ok := b.principal(t, br); ok {
			t.Error("signed in")
		}
		if n := countUsers(t, b.db); n != before {
			t.Errorf("users: %d, want %d", n, before)
		}
	})
	t.Run("new account needs consent", func(t *testing.T) {
		b.gh.SignInAs(oauthtest.GitHubUser{ID: 202, Login: "noconsent"})
		if got := b.signIn(t, newBrowser(), "github", ""); oauthError(got) != ReasonConsentRequired {
			t.Errorf("ended at %s, want %s", got, ReasonConsentRequired)
		}
	})
	t.Run("person declines", func(t *testing.T) {
		b.gh.Deny(true)
		defer b.gh.Deny(false)
		if got := b.signIn(t, newBrowser(), "github", "?consent=2026-11"); oauthError(got) != ReasonOAuthDenied {
			t.Errorf("ended at %s, want %s", got, ReasonOAuthDenied)
		}
	})
	t.Run("state from another browser", func(t *testing.T) {
		b.gh.SignInAs(oauthtest.GitHubUser{ID: 203, Login: "victim"})
		attacker := newBrowser()
		cb := atProvider(t, b.get(t, attacker, "/auth/github/start?consent=2026-11"))
		victim := newBrowser()
		if got := b.get(t, victim, cb); oauthError(got) != ReasonOAuthState {
			t.Errorf("ended at %s, want %s", got, ReasonOAuthState)
		}
		if _, ok := b.principal(t, victim); ok {
			t.Error("victim signed in")
		}
	})
	t.Run("state tampered", func(t *testing.T) {
		br := newBrowser()
		cb := atProvider(t, b.get(t, br, "/auth/github/start?consent=2026-11"))
		u, _ := url.Parse(cb)
		q := u.Query()
		q.Set("state", q.Get("state")+"x")
		u.RawQuery = q.Encode()
		if got := b.get(t, br, u.RequestURI()); oauthError(got) != ReasonOAuthState {
			t.Errorf("ended at %s, want %s", got, ReasonOAuthState)
		}
	})
	t.Run("callback replayed", func(t *testing.T) {
		b.gh.SignInAs(oauthtest.GitHubUser{ID: 204, Login: "replay"})
		br := newBrowser()
		auth := b.get(t, br, "/auth/github/start?consent=2026-11")
		cookie := br.cookies[oauthCookieName]
		cb := atProvider(t, auth)
		if got := b.get(t, br, cb); got.Path != "/" {
			t.Fatalf("first callback ended at %s", got)
		}
		br.cookies[oauthCookieName] = cookie // an attacker's copy
		if got := b.get(t, br, cb); oauthError(got) != ReasonOAuthState {
			t.Errorf("replay ended at %s, want %s", got, ReasonOAuthState)
		}
	})
	t.Run("wrong redirect_uri is refused by the provider", func(t *testing.T) {
		b.gh.SignInAs(oauthtest.GitHubUser{ID: 205, Login: "redir"})
		br := newBrowser()
		auth := b.get(t, br, "/auth/github/start?consent=2026-11")
		q := auth.Query()
		q.Set("redirect_uri", testPublicURL+"/auth/github/callback/other")
		auth.RawQuery = q.Encode()
		cb := atProvider(t, auth)
		cb = strings.Replace(cb, "/callback/other", "/callback", 1)
		if got := b.get(t, br, cb); oauthError(got) != ReasonOAuthFailed {
			t.Errorf("ended at %s, want %s", got, ReasonOAuthFailed)
		}
	})
	t.Run("wechat refuses the code", func(t *testing.T) {
		b.wc.SignInAs(oauthtest.WeChatUser{OpenID: "o-err"})
		br := newBrowser()
		cb := atProvider(t, b.get(t, br, "/auth/wechat/start?consent=2026-11"))
		u, _ := url.Parse(cb)
		q := u.Query()
		q.Set("code", "forged")
		u.RawQuery = q.Encode()
		if got := b.get(t, br, u.RequestURI()); oauthError(got) != ReasonOAuthFailed {
			t.Errorf("ended at %s, want %s", got, ReasonOAuthFailed)
		}
	})
}

// TestOAuthWrongSecrets: a provider refuses the token request when the
// client secret is wrong, and the person sees OAUTH_FAILED.
func TestOAuthWrongSecrets(t *testing.T) {
	t.Parallel()
	b := setupOAuth(t, func(o *OAuthOptions) {
		o.GitHub.ClientSecret = "not-the-secret"
		o.WeChat.AppSecret = "not-the-secret"
	})
	b.gh.SignInAs(oauthtest.GitHubUser{ID: 301, Login: "s"})
	b.wc.SignInAs(oauthtest.WeChatUser{OpenID: "o-s"})
	for _, p := range []string{"github", "wechat"} {
		if got := b.signIn(t, newBrowser(), p, "?consent=2026-11"); oauthError(got) != ReasonOAuthFailed {
			t.Errorf("%s: ended at %s, want %s", p, got, ReasonOAuthFailed)
		}
	}
}

// TestListLoginProviders shows only configured providers.
func TestListLoginProviders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*OAuthOptions)
		want []identityv1.LoginMethodKind
	}{
		{name: "both", want: []identityv1.LoginMethodKind{identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB, identityv1.LoginMethodKind_LOGIN_METHOD_KIND_WECHAT}},
		{name: "github only", edit: func(o *OAuthOptions) { o.WeChat = WeChatConfig{} }, want: []identityv1.LoginMethodKind{identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB}},
		{name: "none", edit: func(o *OAuthOptions) { o.WeChat, o.GitHub = WeChatConfig{}, GitHubConfig{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupOAuth(t, tt.edit)
			resp, err := b.svc.ListLoginProviders(t.Context(), connect.NewRequest(&identityv1.ListLoginProvidersRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			var got []identityv1.LoginMethodKind
			for _, p := range resp.Msg.GetProviders() {
				got = append(got, p.GetKind())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("providers %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("providers %v, want %v", got, tt.want)
				}
			}
			// A disabled provider's start is not found.
			rec := httptest.NewRecorder()
			b.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/wechat/start", nil))
			if wantWeChat := len(tt.want) == 2; (rec.Code == http.StatusFound) != wantWeChat {
				t.Errorf("wechat start: %d", rec.Code)
			}
		})
	}
}

// TestLinkAndUnlink links GitHub and WeChat to a password account from
// account settings, signs in with them, and unlinks them; the last login
// method cannot be unlinked.
func TestLinkAndUnlink(t *testing.T) {
	t.Parallel()
	b := setupOAuth(t, nil)
	resp := signUp(t, b.svc, validSignUp("linker@example.com"))
	br := newBrowser()
	br.cookies[auth.CookieName] = sessionCookie(resp.Header()).Value
	owner, _ := b.principal(t, br)
	ctx := auth.WithPrincipal(t.Context(), owner)

	b.gh.SignInAs(oauthtest.GitHubUser{ID: 401, Login: "linker-gh", Email: "linker@example.com", Verified: true})
	if got := b.signIn(t, br, "github", "?mode=link"); got.Path != linkPage || got.Query().Get("linked") != "github" {
		t.Fatalf("link ended at %s", got)
	}
	b.wc.SignInAs(oauthtest.WeChatUser{OpenID: "o-link", Nickname: "linker-wx"})
	if got := b.signIn(t, br, "wechat", "?mode=link"); got.Path != linkPage || oauthError(got) != "" {
		t.Fatalf("link ended at %s", got)
	}
	methods := func() map[identityv1.LoginMethodKind]*identityv1.LoginMethod {
		t.Helper()
		r, err := b.svc.ListLoginMethods(ctx, connect.NewRequest(&identityv1.ListLoginMethodsRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		m := map[identityv1.LoginMethodKind]*identityv1.LoginMethod{}
		for _, x := range r.Msg.GetMethods() {
			m[x.GetKind()] = x
		}
		return m
	}
	m := methods()
	if len(m) != 3 || m[identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB].GetLabel() != "linker-gh" ||
		!m[identityv1.LoginMethodKind_LOGIN_METHOD_KIND_WECHAT].GetUnlinkable() ||
		m[identityv1.LoginMethodKind_LOGIN_METHOD_KIND_PASSWORD].GetUnlinkable() {
		t.Fatalf("methods %v", m)
	}

	// Signing in with the linked GitHub account (same verified email as
	// the account: it is linked, so no EMAIL_IN_USE) reaches the account;
	// it agreed to an older privacy notice (2025-01), so the browser is
	// asked to accept the new one first.
	other := newBrowser()
	if got := b.signIn(t, other, "github", ""); got.Path != consentPage {
		t.Fatalf("sign-in with linked github ended at %s", got)
	}
	if p, _ := b.principal(t, other); p.UserID != owner.UserID {
		t.Errorf("linked sign-in as %s, want %s", p.UserID, owner.UserID)
	}

	// Another account cannot link the same GitHub account.
	resp2 := signUp(t, b.svc, validSignUp("second@example.com"))
	br2 := newBrowser()
	br2.cookies[auth.CookieName] = sessionCookie(resp2.Header()).Value
	if got := b.signIn(t, br2, "github", "?mode=link"); oauthError(got) != ReasonAlreadyLinked {
		t.Errorf("second link ended at %s, want %s", got, ReasonAlreadyLinked)
	}
	// Linking without a session, or from another site, is refused.
	if got := b.get(t, newBrowser(), "/auth/github/start?mode=link"); oauthError(got) != ReasonLinkNeedsSession {
		t.Errorf("link without session ended at %s", got)
	}
	if got := b.get(t, br, "/auth/github/start?mode=link", "Sec-Fetch-Site", "cross-site"); oauthError(got) != ReasonOAuthState {
		t.Errorf("cross-site link ended at %s", got)
	}

	unlink := func(kind identityv1.LoginMethodKind) error {
		_, err := b.svc.UnlinkLoginMethod(ctx, connect.NewRequest(&identityv1.UnlinkLoginMethodRequest{Kind: kind}))
		return err
	}
	if err := unlink(identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB); err != nil {
		t.Fatalf("unlink github: %v", err)
	}
	if err := unlink(identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB); connectCode(t, err) != connect.CodeNotFound {
		t.Errorf("unlink github twice: %v, want NOT_FOUND", err)
	}
	if err := unlink(identityv1.LoginMethodKind_LOGIN_METHOD_KIND_PASSWORD); connectCode(t, err) != connect.CodeInvalidArgument {
		t.Errorf("unlink password: %v, want INVALID_ARGUMENT", err)
	}
	if len(methods()) != 2 {
		t.Errorf("methods after unlink: %v", methods())
	}
}

// TestUnlinkLastMethod: a WeChat-only account cannot unlink WeChat.
func TestUnlinkLastMethod(t *testing.T) {
	t.Parallel()
	b := setupOAuth(t, nil)
	b.wc.SignInAs(oauthtest.WeChatUser{OpenID: "o-only", Nickname: "only"})
	br := newBrowser()
	if got := b.signIn(t, br, "wechat", "?consent=2026-11"); got.Path != "/" {
		t.Fatalf("sign-in ended at %s", got)
	}
	p, _ := b.principal(t, br)
	_, err := b.svc.UnlinkLoginMethod(auth.WithPrincipal(t.Context(), p),
		connect.NewRequest(&identityv1.UnlinkLoginMethodRequest{Kind: identityv1.LoginMethodKind_LOGIN_METHOD_KIND_WECHAT}))
	if connectCode(t, err) != connect.CodeFailedPrecondition || errorReason(err) != "LAST_LOGIN_METHOD" {
		t.Errorf("unlink last: %v, want FAILED_PRECONDITION LAST_LOGIN_METHOD", err)
	}
}

// TestOAuthStartRateLimited: starts are limited per client address, like
// password logins, since each stores a flow.
func TestOAuthStartRateLimited(t *testing.T) {
	t.Parallel()
	gh := oauthtest.NewGitHub("gh-client", "gh-secret")
	t.Cleanup(gh.Close)
	_, rdb := testenv.Redis(t)
	limits := DefaultLimits()
	limits.LogInPerIP = rateRule{Max: 2, Window: time.Hour}
	b := setup(t, Options{Redis: rdb, Limits: limits, OAuth: OAuthOptions{
		PublicURL: testPublicURL,
		GitHub:    GitHubConfig{ClientID: "gh-client", ClientSecret: "gh-secret", URL: gh.URL, APIURL: gh.URL},
	}})
	ob := oauthBundle{bundle: b, gh: gh, h: b.svc.OAuthHandler()}
	for i, want := range []string{"", "", ReasonRateLimited} {
		got := ob.get(t, newBrowser(), "/auth/github/start")
		if oauthError(got) != want {
			t.Errorf("start %d ended at %s, want oauth_error %q", i+1, got, want)
		}
	}
}
