package accesslog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/talent-hub/talent/edge/internal/caddyfiletest"
	_ "github.com/talent-hub/talent/edge/logbuffer"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the adapted Caddyfiles")

// memory is a log output that keeps the lines.
type memory struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (m *memory) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.b.Write(p)
}
func (m *memory) Close() error { return nil }

func (m *memory) lines(t *testing.T) []map[string]any {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(m.b.String()) {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, line)
		}
		out = append(out, v)
	}
	return out
}

func provision(t *testing.T, fields ...Field) (*Handler, *memory) {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	h := &Handler{Fields: fields}
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	m := &memory{}
	h.out = m
	return h, m
}

// serve sends a request through h to next, with the context Caddy gives
// it (replacer, variables), and returns h's line.
func serve(t *testing.T, h *Handler, m *memory, r *http.Request, next caddyhttp.HandlerFunc) (map[string]any, error) {
	t.Helper()
	ctx := context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{caddyhttp.ClientIPVarKey: "203.0.113.9"})
	r = r.WithContext(ctx)
	// The replacer with the http.* placeholders, as Caddy's server makes it.
	r = r.WithContext(context.WithValue(ctx, caddy.ReplacerCtxKey, caddyhttp.NewTestReplacer(r)))
	before := len(m.lines(t))
	err := h.ServeHTTP(httptest.NewRecorder(), r, next)
	lines := m.lines(t)
	if len(lines) != before+1 {
		t.Fatalf("%d lines written, want 1", len(lines)-before)
	}
	return lines[len(lines)-1], err
}

// TestLine checks a line's fixed fields against the request and the
// response, and that the configured fields take the placeholders' values
// of after the response, with their types (SEC-1: JSON access logs).
func TestLine(t *testing.T) {
	t.Parallel()
	h, m := provision(t,
		Field{Key: "request_id", Value: "{http.vars.talent_request_id}"},
		Field{Key: "upstream_latency_ms", Value: "{http.reverse_proxy.upstream.latency_ms}"},
		Field{Key: "missing", Value: "{http.vars.nothing}"},
		Field{Key: "user_agent", Value: "{http.request.header.User-Agent}"},
		Field{Key: "site", Value: "talent \"edge\""},
	)
	r := httptest.NewRequest(http.MethodPost, "/talent.tasks.v1.TaskService/GetTask?q=%22x%22", strings.NewReader("x"))
	r.Host = "talent.example"
	r.RemoteAddr = "192.0.2.1:5555"
	r.Header.Set("User-Agent", "agent \"quoted\"\n\x01 \xff end")
	line, err := serve(t, h, m, r, func(w http.ResponseWriter, r *http.Request) error {
		caddyhttp.SetVar(r.Context(), "talent_request_id", "req-1")
		r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer).Set("http.reverse_proxy.upstream.latency_ms", 1.25)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("hello"))
		_, _ = w.Write([]byte(" world"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"level": "info", "logger": "http.log.access", "msg": "handled request",
		"status": 201.0, "size": 11.0, "request_id": "req-1", "upstream_latency_ms": 1.25,
		"missing": nil, "user_agent": "agent \"quoted\"\n\x01 \ufffd end", "site": "talent \"edge\"",
	}
	for k, v := range want {
		if got, ok := line[k]; !ok || got != v {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	if d, ok := line["duration"].(float64); !ok || d < 0 {
		t.Errorf("duration = %#v, want seconds", line["duration"])
	}
	if ts, ok := line["ts"].(float64); !ok || ts < 1.7e9 {
		t.Errorf("ts = %#v, want Unix seconds", line["ts"])
	}
	req, _ := line["request"].(map[string]any)
	wantReq := map[string]any{
		"remote_ip": "192.0.2.1", "remote_port": "5555", "client_ip": "203.0.113.9", "proto": "HTTP/1.1",
		"method": "POST", "host": "talent.example", "uri": "/talent.tasks.v1.TaskService/GetTask?q=%22x%22",
	}
	for k, v := range wantReq {
		if got := req[k]; got != v {
			t.Errorf("request.%s = %#v, want %#v", k, got, v)
		}
	}
	if len(req) != len(wantReq) {
		t.Errorf("request = %v, want only %v (no headers)", req, wantReq)
	}
}

// TestStatus checks the status and level of answers, errors a later
// handler turns into responses, and handlers that write nothing.
func TestStatus(t *testing.T) {
	t.Parallel()
	h, m := provision(t)
	tests := []struct {
		name   string
		next   caddyhttp.HandlerFunc
		status float64
		level  string
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) error { return nil }, 200, "info"},
		{"body only", func(w http.ResponseWriter, _ *http.Request) error { _, err := w.Write([]byte("x")); return err }, 200, "info"},
		{"5xx", func(w http.ResponseWriter, _ *http.Request) error { w.WriteHeader(503); return nil }, 503, "error"},
		{"handler error", func(http.ResponseWriter, *http.Request) error {
			return caddyhttp.Error(http.StatusTooManyRequests, errors.New("slow down"))
		}, 429, "info"},
		{"plain error", func(http.ResponseWriter, *http.Request) error { return errors.New("boom") }, 500, "error"},
		{"informational first", func(w http.ResponseWriter, _ *http.Request) error {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusNoContent)
			return nil
		}, 204, "info"},
	}
	for _, tt := range tests {
		line, _ := serve(t, h, m, httptest.NewRequest(http.MethodGet, "/", nil), tt.next)
		if line["status"] != tt.status || line["level"] != tt.level {
			t.Errorf("%s: status %v level %v, want %v %v", tt.name, line["status"], line["level"], tt.status, tt.level)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for name, fields := range map[string][]Field{
		"no key":    {{Value: "{x}"}},
		"no value":  {{Key: "x"}},
		"twice":     {{Key: "x", Value: "a"}, {Key: "x", Value: "b"}},
		"fixed key": {{Key: "status", Value: "a"}},
		"request":   {{Key: "request", Value: "a"}},
	} {
		if err := (&Handler{Fields: fields}).Validate(); err == nil {
			t.Errorf("%s: Validate succeeded, want an error", name)
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
		{Name: "argument", Body: ":80 {\n\ttalent_access_log stderr\n}\n"},
		{Name: "unknown option", Body: ":80 {\n\ttalent_access_log {\n\t\tformat json\n\t}\n}\n"},
		{Name: "field without value", Body: ":80 {\n\ttalent_access_log {\n\t\tfield a\n\t}\n}\n"},
		{Name: "output without module", Body: ":80 {\n\ttalent_access_log {\n\t\toutput\n\t}\n}\n"},
		{Name: "unknown output", Body: ":80 {\n\ttalent_access_log {\n\t\toutput nowhere\n\t}\n}\n"},
	})
}

// BenchmarkServeHTTP is the handler's CPU per request, line written to a
// buffer (docs/ops/benchmarks.md).
func BenchmarkServeHTTP(b *testing.B) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	h := &Handler{Fields: []Field{
		{Key: "request_id", Value: "{http.vars.talent_request_id}"},
		{Key: "canary", Value: "{http.vars.talent_canary}"},
		{Key: "upstream", Value: "{http.reverse_proxy.upstream.hostport}"},
		{Key: "upstream_latency_ms", Value: "{http.reverse_proxy.upstream.latency_ms}"},
		{Key: "user_agent", Value: "{http.request.header.User-Agent}"},
	}}
	if err := h.Provision(ctx); err != nil {
		b.Fatal(err)
	}
	var sink discard
	h.out = &sink
	r := httptest.NewRequest(http.MethodPost, "https://localhost/talent.tasks.v1.TaskService/GetTask", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0")
	repl := caddy.NewReplacer()
	repl.Set("http.reverse_proxy.upstream.hostport", "127.0.0.1:8080")
	repl.Set("http.reverse_proxy.upstream.latency_ms", 0.42)
	rctx := context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl)
	rctx = context.WithValue(rctx, caddyhttp.VarsCtxKey, map[string]any{"talent_request_id": "01234567890123456789ABCDEF", "talent_canary": "stable"})
	r = r.WithContext(rctx)
	w := httptest.NewRecorder()
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error { w.WriteHeader(200); return nil })
	b.ReportAllocs()
	for b.Loop() {
		if err := h.ServeHTTP(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (*discard) Write(p []byte) (int, error) { return len(p), nil }
func (*discard) Close() error                { return nil }
