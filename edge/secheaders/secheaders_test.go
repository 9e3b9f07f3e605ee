package secheaders_test

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/headers"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/talent-hub/talent/edge/internal/benchcpu"
	"github.com/talent-hub/talent/edge/internal/caddyfiletest"
	_ "github.com/talent-hub/talent/edge/requestid"
	"github.com/talent-hub/talent/edge/secheaders"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the adapted Caddyfiles")

// shipped are security headers as deploy/edge/Caddyfile sets them (SEC-1).
var shipped = map[string]string{
	"Strict-Transport-Security":  "max-age=31536000",
	"Content-Security-Policy":    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; upgrade-insecure-requests",
	"X-Content-Type-Options":     "nosniff",
	"Referrer-Policy":            "strict-origin-when-cross-origin",
	"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
	"Cross-Origin-Opener-Policy": "same-origin",
	"X-Frame-Options":            "DENY",
}

func provision(t testing.TB, hs map[string]string) *secheaders.Handler {
	t.Helper()
	h := &secheaders.Handler{Headers: hs}
	if err := h.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return h
}

// TestServeHTTP checks the headers reach the response as Caddy's header
// directive would set them: replacing the value there before, with an
// upstream's own value added beside, and never shared between responses
// (SEC-1).
func TestServeHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		before   http.Header // on the response before the handler
		upstream http.Header // added by the next handler, as reverse_proxy does
		want     http.Header // of the headers below
	}{
		{name: "set", want: http.Header{"X-Frame-Options": {"DENY"}, "Strict-Transport-Security": {"max-age=31536000"}}},
		{name: "replaces earlier", before: http.Header{"X-Frame-Options": {"SAMEORIGIN"}}, want: http.Header{"X-Frame-Options": {"DENY"}}},
		{name: "upstream adds beside", upstream: http.Header{"X-Frame-Options": {"SAMEORIGIN"}}, want: http.Header{"X-Frame-Options": {"DENY", "SAMEORIGIN"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := provision(t, map[string]string{"x-frame-options": "DENY", "Strict-Transport-Security": "max-age=31536000"})
			// Caddy's header directive, as the reference.
			ref := headers.Handler{Response: &headers.RespHeaderOps{HeaderOps: &headers.HeaderOps{Set: http.Header{
				"X-Frame-Options": {"DENY"}, "Strict-Transport-Security": {"max-age=31536000"},
			}}}}
			next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
				for k, vs := range tt.upstream {
					for _, v := range vs {
						w.Header().Add(k, v)
					}
				}
				w.WriteHeader(http.StatusOK)
				return nil
			})
			for _, mod := range []caddyhttp.MiddlewareHandler{h, ref} {
				w := httptest.NewRecorder()
				for k, v := range tt.before {
					w.Header()[k] = slices.Clone(v)
				}
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
				if err := mod.ServeHTTP(w, r, next); err != nil {
					t.Fatalf("ServeHTTP: %v", err)
				}
				for k, want := range tt.want {
					if got := w.Result().Header.Values(k); !slices.Equal(got, want) {
						t.Errorf("%T: %s = %q, want %q", mod, k, got, want)
					}
				}
			}
		})
	}
}

// TestResponsesShareNothing checks that writing into one response's header
// values cannot change another's.
func TestResponsesShareNothing(t *testing.T) {
	t.Parallel()
	h := provision(t, shipped)
	var first http.Header
	for i := range 2 {
		w := httptest.NewRecorder()
		next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
			if i == 0 {
				first = w.Header()
				w.Header()["X-Frame-Options"][0] = "changed in place"
			}
			return nil
		})
		if err := h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil), next); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if got := w.Header().Get("X-Frame-Options"); got != "DENY" {
				t.Fatalf("second response X-Frame-Options = %q, want DENY", got)
			}
			for k, v := range shipped {
				if got := w.Header().Get(k); got != v {
					t.Fatalf("%s = %q, want %q", k, got, v)
				}
			}
		}
	}
	if first.Get("X-Frame-Options") != "changed in place" {
		t.Fatal("the first response's change did not stick")
	}
}

// api is the short set the edge gives RPC responses.
var api = map[string]string{
	"Strict-Transport-Security": "max-age=31536000",
	"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":    "nosniff",
	"X-Frame-Options":           "DENY",
}

// TestPathSets checks that a request gets the set of the first path set
// whose patterns match its path (as Caddy's path matcher would match
// them), and the default set otherwise, and never a mix of the two.
func TestPathSets(t *testing.T) {
	t.Parallel()
	h := &secheaders.Handler{Headers: shipped, PathSets: []secheaders.PathSet{
		{Paths: []string{"/talent.*", "/grpc.health.v1.*"}, Headers: api},
		{Paths: []string{"*.json"}, Headers: map[string]string{"X-Content-Type-Options": "nosniff"}},
	}}
	if err := h.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	jsonSet := map[string]string{"X-Content-Type-Options": "nosniff"}
	tests := []struct {
		path string
		want map[string]string
	}{
		{"/talent.tasks.v1.TaskService/GetTask", api},
		{"/TALENT.tasks.v1.TaskService/GetTask", api},
		{"//talent.tasks.v1.TaskService/GetTask", api},
		{"/grpc.health.v1.Health/Check", api},
		{"/tasks/T-000001", shipped},
		{"/talent", shipped},
		{"/web/manifest.json", jsonSet},
		{"/talent.x/a.json", api}, // the first set that matches
		{"/", shipped},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil })
		if err := h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://x"+tt.path, nil), next); err != nil {
			t.Fatal(err)
		}
		if len(w.Header()) != len(tt.want) {
			t.Errorf("%s: %d headers %v, want the %d of %v", tt.path, len(w.Header()), w.Header(), len(tt.want), tt.want)
			continue
		}
		for k, v := range tt.want {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tt.path, k, got, v)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hs   map[string]string
	}{
		{"none", nil},
		{"bad name", map[string]string{"X Frame": "DENY"}},
		{"bad value", map[string]string{"X-Frame-Options": "a\r\nSet-Cookie: x"}},
		{"empty value", map[string]string{"X-Frame-Options": ""}},
		{"placeholder", map[string]string{"X-Host": "{http.request.host}"}},
		{"twice by case", map[string]string{"X-Frame-Options": "DENY", "x-frame-options": "DENY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &secheaders.Handler{Headers: tt.hs}
			if err := h.Provision(caddy.Context{}); err == nil {
				t.Fatalf("Provision(%v) succeeded, want an error", tt.hs)
			}
			// The same headers in a path set are refused alike.
			h = &secheaders.Handler{Headers: api, PathSets: []secheaders.PathSet{{Paths: []string{"/talent.*"}, Headers: tt.hs}}}
			if err := h.Provision(caddy.Context{}); err == nil {
				t.Fatalf("Provision(path set %v) succeeded, want an error", tt.hs)
			}
		})
	}
	for name, ps := range map[string]secheaders.PathSet{
		"no paths":    {Headers: api},
		"bad pattern": {Paths: []string{"/a["}, Headers: api},
		"placeholder": {Paths: []string{"/{path}"}, Headers: api},
	} {
		h := &secheaders.Handler{Headers: api, PathSets: []secheaders.PathSet{ps}}
		if err := h.Provision(caddy.Context{}); err == nil {
			t.Errorf("Provision with path set %q succeeded, want an error", name)
		}
	}
}

func TestCaddyfileGolden(t *testing.T) {
	t.Parallel()
	caddyfiletest.Golden(t, *update)
}

func TestCaddyfileErrors(t *testing.T) {
	t.Parallel()
	caddyfiletest.Errors(t, []caddyfiletest.Case{
		{Name: "no block", Body: ":80 {\n\ttalent_security_headers\n}\n"},
		{Name: "arg", Body: ":80 {\n\ttalent_security_headers X-A {\n\t\tX-B b\n\t}\n}\n"},
		{Name: "no value", Body: ":80 {\n\ttalent_security_headers {\n\t\tX-A\n\t}\n}\n"},
		{Name: "two values", Body: ":80 {\n\ttalent_security_headers {\n\t\tX-A a b\n\t}\n}\n"},
		{Name: "twice", Body: ":80 {\n\ttalent_security_headers {\n\t\tX-A a\n\t\tX-A b\n\t}\n}\n"},
		{Name: "for without paths", Body: ":80 {\n\ttalent_security_headers {\n\t\tX-A a\n\t\tfor {\n\t\t\tX-B b\n\t\t}\n\t}\n}\n"},
		{Name: "for without headers", Body: ":80 {\n\ttalent_security_headers {\n\t\tX-A a\n\t\tfor /talent.*\n\t}\n}\n"},
		{Name: "for with a bad line", Body: ":80 {\n\ttalent_security_headers {\n\t\tX-A a\n\t\tfor /talent.* {\n\t\t\tX-B\n\t\t}\n\t}\n}\n"},
		{Name: "only for", Body: ":80 {\n\ttalent_security_headers {\n\t\tfor /talent.* {\n\t\t\tX-B b\n\t\t}\n\t}\n}\n"},
	})
}

// discard is a ResponseWriter that keeps nothing, so that a benchmark
// measures the handler rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServeHTTP sets the shipped security headers with this module
// and with Caddy's header directive (docs/ops/benchmarks.md).
func BenchmarkServeHTTP(b *testing.B) {
	set := http.Header{}
	for k, v := range shipped {
		set.Set(k, v)
	}
	// As the edge ships it: the document set, and the API set for RPCs.
	withAPI := &secheaders.Handler{Headers: shipped, PathSets: []secheaders.PathSet{
		{Paths: []string{"/talent.*", "/grpc.health.v1.*", "/grpc.reflection.*"}, Headers: api},
	}}
	if err := withAPI.Provision(caddy.Context{}); err != nil {
		b.Fatal(err)
	}
	mods := []struct {
		name string
		h    caddyhttp.MiddlewareHandler
		path string
	}{
		{"talent_security_headers", provision(b, shipped), "/"},
		{"talent_security_headers/page_of_edge", withAPI, "/tasks/T-000001"},
		{"talent_security_headers/rpc_of_edge", withAPI, "/talent.tasks.v1.TaskService/GetTask"},
		{"caddy_header", headers.Handler{Response: &headers.RespHeaderOps{HeaderOps: &headers.HeaderOps{Set: set}}}, "/"},
	}
	w := &discard{h: http.Header{}}
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil })
	for _, m := range mods {
		r := httptest.NewRequest(http.MethodGet, m.path, nil)
		r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := benchcpu.Now(b)
			for b.Loop() {
				clear(w.h)
				if err := m.h.ServeHTTP(w, r, next); err != nil {
					b.Fatal(err)
				}
			}
			benchcpu.Report(b, cpu)
		})
	}
}
