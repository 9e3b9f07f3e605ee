package canary_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/talent-hub/talent/edge/internal/benchcpu"
)

// discard is a ResponseWriter that keeps nothing, so that a benchmark
// measures the handler rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServeHTTP measures what talent_canary adds to one request of
// the edge bench's mix: a Connect unary POST from a browser that keeps its
// bucket cookie beside a session cookie. "next" is the harness alone (the
// next handler answering); "canary" is the module in front of it. The
// difference is the module's cost per request (OPS-4; docs/ops/benchmarks.md).
func BenchmarkServeHTTP(b *testing.B) {
	h := newHandler(b, "bench-serve", 10, nil)
	body := make([]byte, 200)
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(body)
		return err
	})
	r := httptest.NewRequest(http.MethodPost, "/talent.tasks.v1.TaskService/GetTask", nil)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Cookie", "talent_session=4f2a9c0e7b1d8e3f5a6c; talent_canary=4321; _pref=dark")
	ctx := context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{})
	ctx = context.WithValue(ctx, caddy.ReplacerCtxKey, caddy.NewReplacer())
	ctx = context.WithValue(ctx, caddyhttp.ExtraLogFieldsCtxKey, new(caddyhttp.ExtraLogFields))
	r = r.WithContext(ctx)
	w := &discard{h: http.Header{}}
	for _, mod := range []string{"next", "canary"} {
		b.Run(mod, func(b *testing.B) {
			b.ReportAllocs()
			cpu := benchcpu.Now(b)
			for b.Loop() {
				clear(w.h)
				var err error
				if mod == "next" {
					err = next.ServeHTTP(w, r)
				} else {
					err = h.ServeHTTP(w, r, next)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			benchcpu.Report(b, cpu)
		})
	}
}
