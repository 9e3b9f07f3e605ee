package pathmatch

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// TestMatchesLikeCaddy checks the matcher against Caddy's own path matcher,
// whose syntax the modules' Caddyfiles promise, on ASCII paths in any case
// and on paths with non-ASCII bytes.
func TestMatchesLikeCaddy(t *testing.T) {
	t.Parallel()
	patterns := []string{
		"/talent.identity.v1.IdentityService/LogIn",
		"/talent.identity.v1.IdentityService/*Sms*",
		"/talent.*/Create*",
		"/talent.tasks.v1.TaskService/*",
		"*.wasm",
		"*Code*",
		"/web/app.[0-9]*.js",
		"/a?c",
		"/talent.*/*Task",
		"/*/*",
		"/a**b",
		"*/",
		"/talent.*.v1.*/Get*",
		"/web/*",
		"/WEB/*",
		"/talent.moderation.v1.ModerationService/*",
		"/路径/*",
		"/k*",
	}
	paths := []string{
		"/talent.identity.v1.IdentityService/LogIn",
		"/talent.identity.v1.identityservice/login",
		"//talent.identity.v1.IdentityService/LogIn",
		"/talent.identity.v1.IdentityService/./LogIn",
		"/talent.identity.v1.IdentityService/LogInX",
		"/talent.identity.v1.IdentityService/SendSmsCode",
		"/talent.identity.v1.IdentityService/x/SendSms",
		"/talent.tasks.v1.TaskService/CreateTask",
		"/talent.tasks.v1.TaskService/GetTask",
		"/talent.tasks.v1.TaskService/a/CreateTask",
		"/web/app.0123.wasm",
		"/web/app.9.js",
		"/abc",
		"/ac",
		"/",
		"/a/b",
		"/ab",
		"/axxb",
		"/ax/b",
		"/talent.tasks.v1.TaskService/GetTaskTask",
		"/web/app.js",
		"/Web/App.JS",
		"/web",
		"/webx/a",
		"/web/../talent.x/y",
		"/TALENT.MODERATION.V1.MODERATIONSERVICE/AddKeyword",
		"/talent.moderation.v1.ModerationService",
		"/路径/a",
		"/\u212aelvin",     // KELVIN SIGN: lower-cases to an ASCII k
		"/\u0130stanbul",   // Turkish dotted capital I
		"/caf\u00e9/LogIn", // é
	}
	for _, p := range patterns {
		ours, err := Compile([]string{p})
		if err != nil {
			t.Fatalf("Compile(%q): %v", p, err)
		}
		caddys := caddyhttp.MatchPath{p}
		if err := caddys.Provision(caddy.Context{}); err != nil {
			t.Fatalf("provision caddy matcher: %v", err)
		}
		for _, path := range paths {
			r := httptest.NewRequest("GET", "https://x"+path, nil)
			r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
			want := caddys.Match(r)
			if got := ours.MatchPath(r.URL.Path); got != want {
				t.Errorf("pattern %q, path %q: match = %v, Caddy's path matcher says %v", p, path, got, want)
			}
		}
	}
	for _, bad := range []string{"/a/{path}", "/a%2Fb", "/a//b", "/a[", ""} {
		if _, err := Compile([]string{bad}); err == nil {
			t.Errorf("Compile(%q) = nil error, want one", bad)
		}
	}
}

// TestSeveralMatchersOnePath checks that one prepared path serves several
// matchers, whichever needs the lower-cased form first.
func TestSeveralMatchersOnePath(t *testing.T) {
	t.Parallel()
	prefix, _ := Compile([]string{"/talent.*"})
	suffix, _ := Compile([]string{"*/login"})
	none, _ := Compile(nil)
	p := Prepare("/talent.identity.v1.IdentityService/LogIn")
	if !prefix.Match(&p) || !suffix.Match(&p) || !prefix.Match(&p) {
		t.Error("a prepared path stopped matching after another matcher used it")
	}
	if none.Match(&p) || !none.Empty() || prefix.Empty() {
		t.Error("a matcher without patterns must match nothing and say it is empty")
	}
}
