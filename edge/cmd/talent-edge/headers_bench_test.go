package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/headers"

	"github.com/talent-hub/talent/edge/internal/benchcpu"
)

// discard is a ResponseWriter that keeps nothing, so that a benchmark
// measures the handler rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkSecurityHeaders measures Caddy's `header` handler with the
// security headers of deploy/edge/Caddyfile (SEC-1), taken from the
// adapted config: what setting them costs per request before the response
// is encoded (docs/ops/benchmarks.md).
func BenchmarkSecurityHeaders(b *testing.B) {
	path, err := filepath.Abs(filepath.Join("..", "..", "..", "deploy", "edge", "Caddyfile"))
	if err != nil {
		b.Fatal(err)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt(body, map[string]any{"filename": path})
	if err != nil {
		b.Fatalf("adapt %s: %v", path, err)
	}
	var doc any
	if err := json.Unmarshal(adapted, &doc); err != nil {
		b.Fatal(err)
	}
	raw := findHandler(doc, func(m map[string]any) bool {
		resp, _ := m["response"].(map[string]any)
		set, _ := resp["set"].(map[string]any)
		return m["handler"] == "headers" && set["Content-Security-Policy"] != nil
	})
	if raw == nil {
		b.Fatal("no headers handler with a Content-Security-Policy in the adapted Caddyfile")
	}
	var h headers.Handler
	if err := json.Unmarshal(raw, &h); err != nil {
		b.Fatal(err)
	}
	if err := h.Provision(caddy.Context{}); err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
	w := &discard{h: http.Header{}}
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil })
	b.ReportAllocs()
	cpu := benchcpu.Now(b)
	for b.Loop() {
		clear(w.h)
		if err := h.ServeHTTP(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
	benchcpu.Report(b, cpu)
	if len(w.h) < 7 {
		b.Fatalf("%d headers set, want the Caddyfile's 7", len(w.h))
	}
}

// findHandler returns the first object in doc that match accepts, as JSON.
func findHandler(doc any, match func(map[string]any) bool) json.RawMessage {
	switch v := doc.(type) {
	case map[string]any:
		if match(v) {
			b, _ := json.Marshal(v)
			return b
		}
		for _, c := range v {
			if r := findHandler(c, match); r != nil {
				return r
			}
		}
	case []any:
		for _, c := range v {
			if r := findHandler(c, match); r != nil {
				return r
			}
		}
	}
	return nil
}
