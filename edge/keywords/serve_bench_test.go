package keywords

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
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

// BenchmarkServeHTTPMix measures what talent_keywords adds to the requests
// of the edge bench's mix (docs/ops/benchmarks.md), with the bench's
// 10,000 keywords: a Connect unary read (a 24-byte JSON body), a Connect
// unary write (about 1.5 KB of JSON, mostly Chinese text) and a GET with
// no body. "next" is the harness alone; the difference is the module's
// cost per request (SEC-5).
func BenchmarkServeHTTPMix(b *testing.B) {
	block, review, text := benchLists()
	m, err := Compile(block, review)
	if err != nil {
		b.Fatal(err)
	}
	h := &Handler{MaxBytes: DefaultMaxBytes, Route: "bench"}
	met, err := newMetrics(nil)
	if err != nil {
		b.Fatal(err)
	}
	h.metrics = met
	h.scanned = met.scanned.WithLabelValues(h.Route)
	h.current.Store(m)
	write, err := json.Marshal(map[string]string{"title": "把计费服务移植到 Go", "description": string([]rune(string(text))[:480])})
	if err != nil {
		b.Fatal(err)
	}
	reqs := []struct {
		name, method, path string
		body               []byte
	}{
		{"read", http.MethodPost, "/talent.tasks.v1.TaskService/GetTask", []byte(`{"idOrRef":"T-000001"}`)},
		{"write", http.MethodPost, "/talent.tasks.v1.TaskService/UpdateTask", write},
		{"get", http.MethodGet, "/tasks/T-000001", nil},
	}
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
		w.WriteHeader(http.StatusOK)
		return nil
	})
	w := &discard{h: http.Header{}}
	for _, rq := range reqs {
		for _, mod := range []string{"next", "keywords"} {
			b.Run(rq.name+"/"+mod, func(b *testing.B) {
				b.ReportAllocs()
				cpu := benchcpu.Now(b)
				r := httptest.NewRequest(rq.method, rq.path, nil)
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("Connect-Protocol-Version", "1")
				r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
				body := bytes.NewReader(rq.body)
				for b.Loop() {
					if rq.body != nil {
						body.Reset(rq.body)
						r.Body = readCloser{body}
						r.ContentLength = int64(len(rq.body))
					} else {
						r.Body = http.NoBody
					}
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
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// TestMediaTypeAsMime checks the fast path of mediaType against
// mime.ParseMediaType (SEC-5: the filter must read every body as before).
func TestMediaTypeAsMime(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{
		"application/json", "application/proto", "application/connect+json", "application/connect+proto",
		"application/grpc", "application/grpc+proto", "application/grpc+json",
		"application/grpc-web", "application/grpc-web+proto", "application/grpc-web+json",
		"application/grpc-web-text", "application/grpc-web-text+proto",
		"Application/JSON", "application/json; charset=utf-8", "", "text/plain", "garbage;;", "a/b; c",
	} {
		want, _, _ := mime.ParseMediaType(ct)
		if got := mediaType(ct); got != strings.ToLower(want) {
			t.Errorf("mediaType(%q) = %q, want %q", ct, got, strings.ToLower(want))
		}
	}
}
