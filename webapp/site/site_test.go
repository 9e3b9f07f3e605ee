package site

import (
	"net/http"
	"strings"
	"testing"
)

// TestPagesArePrerendered checks that the server sends each page's real
// content (not an empty shell), with the forms the e2e test and people use,
// and that the app is wired to the content-hashed assets (ARCH-1).
func TestPagesArePrerendered(t *testing.T) {
	dir, m := testWebDir(t)
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	tests := []struct {
		path string
		want []string
	}{
		{"/", []string{"<html", m.CSS, "Talent"}},
		{"/signup", []string{`id="signup-form"`, `id="email"`, `id="password"`, `id="consent"`, `id="error-email"`}},
		{"/login", []string{`id="login-form"`, `id="login-submit"`}},
		{"/tasks/new", []string{`id="task-form"`, `id="title"`, `id="budget-min"`, `id="budget-max"`, `id="delivery-date"`, `id="skill-tags"`, `id="error-budget_min_fen"`}},
		{"/tasks", []string{"<main"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := serve(t, h, tt.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d", tt.path, res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("GET %s: Content-Type %q", tt.path, ct)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: the page lacks %s", tt.path, w)
				}
			}
		})
	}

	res, body := serve(t, h, "/app.js")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, m.Wasm) {
		t.Fatalf("app.js (status %d) does not load the hashed wasm %s", res.StatusCode, m.Wasm)
	}
}

func TestHashedAssets(t *testing.T) {
	dir, m := testWebDir(t)
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	res, body := serve(t, h, m.Wasm, "Accept-Encoding", "gzip, br")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", m.Wasm, res.StatusCode)
	}
	if got := res.Header.Get("Content-Encoding"); got != "br" || body != "BROTLI" {
		t.Fatalf("GET %s with br: Content-Encoding %q body %q, want the .br file", m.Wasm, got, body)
	}
	if got := res.Header.Get("Content-Type"); got != "application/wasm" {
		t.Fatalf("GET %s: Content-Type %q, want application/wasm", m.Wasm, got)
	}
	if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Fatalf("GET %s: Cache-Control %q, want immutable", m.Wasm, got)
	}
	res, body = serve(t, h, m.Wasm)
	if res.Header.Get("Content-Encoding") != "" || body != "\x00asm\x01\x00\x00\x00" {
		t.Fatalf("GET %s without encodings: got encoding %q body %q, want the raw file", m.Wasm, res.Header.Get("Content-Encoding"), body)
	}
	for _, p := range []string{"/web/../site_test.go", "/web/..%2fsite_test.go", "/web/.hidden"} {
		if res, body := serve(t, h, p); res.StatusCode == http.StatusOK && strings.Contains(body, "package site") {
			t.Fatalf("GET %s served a file outside the build dir", p)
		}
	}
}

func TestHandlerNeedsABuild(t *testing.T) {
	if _, err := Handler(Config{WebDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "buildweb") {
		t.Fatalf("Handler on an empty dir: err %v, want one that says how to build the app", err)
	}
	if _, err := Handler(Config{}); err == nil {
		t.Fatal("Handler without a web dir: no error")
	}
}
