package requestid

import (
	"testing"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap/zapcore"
)

// TestLogFieldsReadWhenWritten checks that the access log fields take the
// placeholders' values as the line is written, not as the request came
// in (the upstream is known only after the response), keep their type,
// and are null when the placeholder has no value.
func TestLogFieldsReadWhenWritten(t *testing.T) {
	t.Parallel()
	h := &Handler{LogFields: []LogField{
		{Key: "upstream", Value: "{http.reverse_proxy.upstream.hostport}"},
		{Key: "upstream_latency_ms", Value: "{http.reverse_proxy.upstream.latency_ms}"},
		{Key: "missing", Value: "{http.vars.nothing}"},
		{Key: "site", Value: "talent"},
		{Key: "mixed", Value: "a {b} c"},
	}}
	if err := h.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	repl := caddy.NewReplacer()
	l := &lineFields{id: "req-1", fields: h.fields, repl: repl}
	// The upstream answers after the field was made.
	repl.Set("http.reverse_proxy.upstream.hostport", "127.0.0.1:8080")
	repl.Set("http.reverse_proxy.upstream.latency_ms", 1.5)
	enc := zapcore.NewMapObjectEncoder()
	if err := l.MarshalLogObject(enc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"request_id": "req-1", "upstream": "127.0.0.1:8080", "upstream_latency_ms": 1.5,
		"missing": nil, "site": "talent", "mixed": "a {b} c",
	}
	if len(enc.Fields) != len(want) {
		t.Fatalf("fields = %v, want %v", enc.Fields, want)
	}
	for k, v := range want {
		if got, ok := enc.Fields[k]; !ok || got != v {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
}

func TestValidateLogFields(t *testing.T) {
	t.Parallel()
	for name, fields := range map[string][]LogField{
		"no key":     {{Value: "{x}"}},
		"no value":   {{Key: "x"}},
		"twice":      {{Key: "x", Value: "a"}, {Key: "x", Value: "b"}},
		"request_id": {{Key: "request_id", Value: "a"}},
	} {
		h := &Handler{LogFields: fields}
		if err := h.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
		if err := h.Validate(); err == nil {
			t.Errorf("%s: Validate succeeded, want an error", name)
		}
	}
}
