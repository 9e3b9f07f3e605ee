package ratelimit

import (
	"net/http"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/talent-hub/talent/edge/internal/benchcpu"
)

// discard is a ResponseWriter that keeps nothing, so that a benchmark
// measures the handler rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServeHTTP measures what talent_ratelimit adds with the zones of
// deploy/edge/Caddyfile: an RPC read no zone limits (the paths are still
// matched), and a write the write zone counts (its bucket is taken). The
// rate is set high so that the bench is never refused, as in edgebench
// (docs/ops/benchmarks.md).
func BenchmarkServeHTTP(b *testing.B) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: b.Context()})
	defer cancel()
	zone := func(name string, key []string, paths ...string) *Zone {
		return &Zone{Name: "bench_" + name, Key: key, Events: 1_000_000, Window: caddy.Duration(time.Second), Burst: 1_000_000, Paths: paths}
	}
	h := &Handler{Zones: []*Zone{
		zone("signin_ip", []string{KeyIP}, "/talent.identity.v1.IdentityService/LogIn", "/talent.identity.v1.IdentityService/SignUp"),
		zone("sms_ip", []string{KeyIP}, "/talent.identity.v1.IdentityService/*Sms*", "/talent.identity.v1.IdentityService/*Code*"),
		zone("sms_caller", []string{KeyCaller}, "/talent.identity.v1.IdentityService/*Sms*", "/talent.identity.v1.IdentityService/*Code*"),
		zone("writes_caller", []string{KeyCaller}, "/talent.*/Create*", "/talent.*/Update*", "/talent.*/Delete*", "/talent.*/Submit*", "/talent.*/Send*"),
	}}
	if err := h.Provision(ctx); err != nil {
		b.Fatal(err)
	}
	defer h.Cleanup()
	w := &discard{h: http.Header{}}
	for _, path := range []string{"/talent.tasks.v1.TaskService/GetTask", "/talent.tasks.v1.TaskService/CreateTask"} {
		r := request(http.MethodPost, path, "127.0.0.1", http.Header{"Cookie": {SessionCookie + "=4f2a9c0e7b1d8e3f5a6c"}})
		b.Run(path[len("/talent.tasks.v1.TaskService/"):], func(b *testing.B) {
			b.ReportAllocs()
			cpu := benchcpu.Now(b)
			for b.Loop() {
				if err := h.ServeHTTP(w, r, passed); err != nil {
					b.Fatal(err)
				}
			}
			benchcpu.Report(b, cpu)
		})
	}
}
