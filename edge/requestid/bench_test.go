package requestid_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/talent-hub/talent/edge/internal/benchcpu"
	"github.com/talent-hub/talent/edge/requestid"
)

// discard is a ResponseWriter that keeps nothing, so that a benchmark
// measures the handler rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServeHTTP measures what talent_request_id adds to a request
// that brings no ID (a new one is drawn): "next" is the harness alone,
// "requestid" the module in front of it (docs/ops/benchmarks.md).
func BenchmarkServeHTTP(b *testing.B) {
	h := &requestid.Handler{}
	if err := h.Provision(caddy.Context{}); err != nil {
		b.Fatal(err)
	}
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
		w.WriteHeader(http.StatusOK)
		return nil
	})
	r := httptest.NewRequest(http.MethodPost, "/talent.tasks.v1.TaskService/GetTask", nil)
	ctx := context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{})
	ctx = context.WithValue(ctx, caddyhttp.ExtraLogFieldsCtxKey, new(caddyhttp.ExtraLogFields))
	r = r.WithContext(ctx)
	w := &discard{h: http.Header{}}
	for _, mod := range []string{"next", "requestid"} {
		b.Run(mod, func(b *testing.B) {
			b.ReportAllocs()
			cpu := benchcpu.Now(b)
			for b.Loop() {
				clear(w.h)
				delete(r.Header, requestid.DefaultHeader)
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
