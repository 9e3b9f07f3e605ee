package ratelimit

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// TestPathsMatchLikeCaddy checks the zone path matcher against Caddy's own
// path matcher, whose syntax the Caddyfile promises.
func TestPathsMatchLikeCaddy(t *testing.T) {
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
	}
	for _, p := range patterns {
		ours, err := compilePaths([]string{p})
		if err != nil {
			t.Fatalf("compilePaths(%q): %v", p, err)
		}
		caddys := caddyhttp.MatchPath{p}
		if err := caddys.Provision(caddy.Context{}); err != nil {
			t.Fatalf("provision caddy matcher: %v", err)
		}
		for _, path := range paths {
			r := httptest.NewRequest("GET", "https://x"+path, nil)
			r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
			want := caddys.Match(r)
			if got := ours.match(cleanRequestPath(r.URL.Path)); got != want {
				t.Errorf("pattern %q, path %q: match = %v, Caddy's path matcher says %v", p, path, got, want)
			}
		}
	}
	for _, bad := range []string{"/a/{path}", "/a%2Fb", "/a//b", "/a["} {
		if _, err := compilePaths([]string{bad}); err == nil {
			t.Errorf("compilePaths(%q) = nil error, want one", bad)
		}
	}
}
