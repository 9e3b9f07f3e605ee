package site

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testWebDir writes a minimal build: hashed wasm (with .gz and .br copies),
// hashed CSS, an icon and the manifest.
func testWebDir(t *testing.T) (string, Manifest) {
	t.Helper()
	dir := t.TempDir()
	m := Manifest{
		Wasm:    "/web/app.0123456789abcdef.wasm",
		CSS:     "/web/app.fedcba9876543210.css",
		Version: "0123456789abcd01",
		Files: map[string]string{
			"app.wasm": "/web/app.0123456789abcdef.wasm",
			"app.css":  "/web/app.fedcba9876543210.css",
			"icon.svg": "/web/icon.00112233aabbccdd.svg",
		},
		Sizes: map[string]Sizes{"app.wasm": {Raw: 8, Gzip: 4, Brotli: 3}},
	}
	files := map[string]string{
		"app.0123456789abcdef.wasm":    "\x00asm\x01\x00\x00\x00",
		"app.0123456789abcdef.wasm.gz": "GZIP",
		"app.0123456789abcdef.wasm.br": "BROTLI",
		"app.fedcba9876543210.css":     "body{}",
		"icon.00112233aabbccdd.svg":    "<svg/>",
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("encode manifest: %v", err)
	}
	files[ManifestFile] = string(b)
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	return dir, m
}

func serve(t *testing.T, h http.Handler, path string, header ...string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return res, string(b)
}

func TestHandlerServes(t *testing.T) {
	t.Parallel()
	dir, m := testWebDir(t)
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	tests := []struct {
		name   string
		path   string
		header []string
		status int
		want   []string
	}{
		{name: "page title", path: "/tasks/new", status: http.StatusOK, want: []string{"<title>Post a task · Talent</title>", `method="post"`}},
		{name: "task page", path: "/tasks/T-000001", status: http.StatusOK, want: []string{"T-000001"}},
		{name: "app.js version", path: "/app.js", status: http.StatusOK, want: []string{`"` + m.Wasm + `"`, m.Version, `"8"`}},
		{name: "service worker", path: "/app-worker.js", status: http.StatusOK, want: []string{m.Wasm, m.CSS, m.Version}},
		{name: "web manifest", path: "/manifest.webmanifest", status: http.StatusOK, want: []string{`"name":"Talent"`, m.Files["icon.svg"]}},
		{name: "legacy wasm path", path: "/app.wasm", status: http.StatusOK, want: []string{"asm"}},
		{name: "gzip only", path: m.Wasm, header: []string{"Accept-Encoding", "br;q=0, gzip"}, status: http.StatusOK, want: []string{"GZIP"}},
		{name: "robots answered locally", path: "/robots.txt", status: http.StatusOK, want: []string{"User-agent: *"}},
		{name: "sitemap not proxied", path: "/sitemap.xml", status: http.StatusNotFound},
		{name: "missing asset", path: "/web/app.ffffffffffffffff.wasm", status: http.StatusNotFound},
		{name: "unknown page", path: "/nope", status: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := serve(t, h, tt.path, tt.header...)
			if res.StatusCode != tt.status {
				t.Fatalf("GET %s: status %d, want %d", tt.path, res.StatusCode, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Fatalf("GET %s: body lacks %q:\n%s", tt.path, w, body)
				}
			}
		})
	}
}

func TestReadManifestErrors(t *testing.T) {
	t.Parallel()
	noWasm, _ := testWebDir(t)
	if err := os.Remove(filepath.Join(noWasm, "app.0123456789abcdef.wasm")); err != nil {
		t.Fatalf("remove wasm: %v", err)
	}
	badJSON := t.TempDir()
	if err := os.WriteFile(filepath.Join(badJSON, ManifestFile), []byte("{"), 0o644); err != nil {
		t.Fatalf("write manifest: %v", err)
	}
	noVersion := t.TempDir()
	if err := os.WriteFile(filepath.Join(noVersion, ManifestFile), []byte(`{"wasm":"/web/a.wasm","css":"/web/a.css"}`), 0o644); err != nil {
		t.Fatalf("write manifest: %v", err)
	}
	tests := []struct {
		name string
		dir  string
		want string
	}{
		{"bad json", badJSON, "decode web manifest"},
		{"no version", noVersion, `"version" is empty`},
		{"wasm missing", noWasm, "check web manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadManifest(tt.dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadManifest error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	a := &assets{wasm: "/web/app.0123456789abcdef.wasm"}
	tests := []struct{ in, want string }{
		{"/web/app.wasm", "/web/app.0123456789abcdef.wasm"},
		{"web/app.wasm", "/web/app.0123456789abcdef.wasm"},
		{"/web", "/web"},
		{"/web/icon.1.svg", "/web/icon.1.svg"},
		{"/", "/"},
		{"", "/"},
		{"/app.js", "/app.js"},
		{"https://cdn.example/x.png", "https://cdn.example/x.png"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := a.Resolve(tt.in); got != tt.want {
				t.Fatalf("Resolve(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, token string
		want          bool
	}{
		{"gzip, deflate, br, zstd", "br", true},
		{"gzip, br;q=0", "br", false},
		{"gzip;q=0.5", "gzip", true},
		{"BR", "br", true},
		{"", "gzip", false},
		{"brotli", "br", false},
	}
	for _, tt := range tests {
		t.Run(tt.header+"/"+tt.token, func(t *testing.T) {
			t.Parallel()
			if got := accepts(tt.header, tt.token); got != tt.want {
				t.Fatalf("accepts(%q, %q) = %v, want %v", tt.header, tt.token, got, tt.want)
			}
		})
	}
}
