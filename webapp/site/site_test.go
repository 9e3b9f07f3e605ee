package site_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/talent-hub/talent/webapp/site"
)

// buildDir writes a small build directory like buildweb's: hashed wasm
// (with a .br copy), hashed CSS and the manifest.
func buildDir(t *testing.T) (string, site.Manifest) {
	t.Helper()
	dir := t.TempDir()
	m := site.Manifest{
		Wasm:    "/web/app.0123456789abcdef.wasm",
		CSS:     "/web/app.fedcba9876543210.css",
		Version: "v-test",
		Files: map[string]string{
			"app.wasm": "/web/app.0123456789abcdef.wasm",
			"app.css":  "/web/app.fedcba9876543210.css",
		},
		Sizes: map[string]site.Sizes{"app.wasm": {Raw: 4}},
	}
	files := map[string]string{
		"app.0123456789abcdef.wasm":    "\x00asm",
		"app.0123456789abcdef.wasm.br": "brotli bytes",
		"app.fedcba9876543210.css":     "body{}",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, site.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func get(t *testing.T, h http.Handler, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// TestPagesArePrerendered checks that the server sends each page's real
// content (not an empty shell), with the forms the e2e test and people use,
// and that the app is wired to the content-hashed assets (ARCH-1).
func TestPagesArePrerendered(t *testing.T) {
	dir, m := buildDir(t)
	h, err := site.Handler(site.Config{WebDir: dir})
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
			res, body := get(t, h, tt.path)
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

	res, body := get(t, h, "/app.js")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, m.Wasm) {
		t.Fatalf("app.js (status %d) does not load the hashed wasm %s", res.StatusCode, m.Wasm)
	}
}

func TestHashedAssets(t *testing.T) {
	dir, m := buildDir(t)
	h, err := site.Handler(site.Config{WebDir: dir})
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	res, body := get(t, h, m.Wasm, "Accept-Encoding", "gzip, br")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", m.Wasm, res.StatusCode)
	}
	if got := res.Header.Get("Content-Encoding"); got != "br" || body != "brotli bytes" {
		t.Fatalf("GET %s with br: Content-Encoding %q body %q, want the .br file", m.Wasm, got, body)
	}
	if got := res.Header.Get("Content-Type"); got != "application/wasm" {
		t.Fatalf("GET %s: Content-Type %q, want application/wasm", m.Wasm, got)
	}
	if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Fatalf("GET %s: Cache-Control %q, want immutable", m.Wasm, got)
	}
	res, body = get(t, h, m.Wasm)
	if res.Header.Get("Content-Encoding") != "" || body != "\x00asm" {
		t.Fatalf("GET %s without encodings: got encoding %q body %q, want the raw file", m.Wasm, res.Header.Get("Content-Encoding"), body)
	}
	for _, p := range []string{"/web/../site_test.go", "/web/..%2fsite_test.go", "/web/.hidden"} {
		if res, body := get(t, h, p); res.StatusCode == http.StatusOK && strings.Contains(body, "package site_test") {
			t.Fatalf("GET %s served a file outside the build dir", p)
		}
	}
}

func TestHandlerNeedsABuild(t *testing.T) {
	if _, err := site.Handler(site.Config{WebDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "buildweb") {
		t.Fatalf("Handler on an empty dir: err %v, want one that says how to build the app", err)
	}
	if _, err := site.Handler(site.Config{}); err == nil {
		t.Fatal("Handler without a web dir: no error")
	}
}
