package requestid_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/talent-hub/talent/edge/requestid"
)

func TestServeHTTP(t *testing.T) {
	t.Parallel()
	long64 := strings.Repeat("a", 64)
	tests := []struct {
		name     string
		header   string   // configured header; "" = default
		incoming []string // values of the ID header sent by the client
		echo     bool     // next handler echoes the ID header, as an upstream may
		keep     bool     // want the incoming ID kept rather than replaced
	}{
		{name: "missing", incoming: nil},
		{name: "valid kept", incoming: []string{"abc-DEF_123"}, keep: true},
		{name: "64 chars kept", incoming: []string{long64}, keep: true},
		{name: "65 chars replaced", incoming: []string{long64 + "a"}},
		{name: "space replaced", incoming: []string{"abc def"}},
		{name: "dot replaced", incoming: []string{"abc.def"}},
		{name: "non-ASCII replaced", incoming: []string{"abcé"}},
		{name: "header injection replaced", incoming: []string{"a\r\nSet-Cookie: x"}},
		{name: "empty replaced", incoming: []string{""}},
		{name: "two values replaced", incoming: []string{"one", "two"}},
		{name: "upstream echo gives one value", incoming: []string{"abc"}, echo: true, keep: true},
		{name: "custom header", header: "x-correlation-id", incoming: []string{"abc"}, keep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &requestid.Handler{Header: tt.header}
			if err := h.Provision(caddy.Context{}); err != nil {
				t.Fatalf("Provision: %v", err)
			}
			if err := h.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			name := tt.header
			if name == "" {
				name = requestid.DefaultHeader
			}

			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.incoming {
				r.Header.Add(name, v)
			}
			vars := map[string]any{}
			extra := new(caddyhttp.ExtraLogFields)
			ctx := context.WithValue(r.Context(), caddyhttp.VarsCtxKey, vars)
			ctx = context.WithValue(ctx, caddyhttp.ExtraLogFieldsCtxKey, extra)
			r = r.WithContext(ctx)
			w := httptest.NewRecorder()

			var upstreamSaw []string
			next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				upstreamSaw = r.Header.Values(name)
				if tt.echo {
					w.Header().Add(name, r.Header.Get(name))
				}
				_, err := io.WriteString(w, "ok")
				return err
			})
			if err := h.ServeHTTP(w, r, next); err != nil {
				t.Fatalf("ServeHTTP: %v", err)
			}

			if len(upstreamSaw) != 1 {
				t.Fatalf("upstream got %d %s values %q, want 1", len(upstreamSaw), name, upstreamSaw)
			}
			id := upstreamSaw[0]
			if !requestid.Valid(id) {
				t.Fatalf("upstream got invalid ID %q", id)
			}
			if tt.keep && id != tt.incoming[0] {
				t.Fatalf("ID = %q, want the incoming %q kept", id, tt.incoming[0])
			}
			if !tt.keep && len(tt.incoming) > 0 && id == tt.incoming[0] {
				t.Fatalf("ID = %q, want the incoming value replaced", id)
			}
			resp := w.Result()
			if got := resp.Header.Values(name); len(got) != 1 || got[0] != id {
				t.Fatalf("response %s = %q, want exactly [%q]", name, got, id)
			}
			if got := vars[requestid.VarName]; got != id {
				t.Fatalf("var %s = %v, want %q", requestid.VarName, got, id)
			}
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "ok" {
				t.Fatalf("body = %q, want %q", body, "ok")
			}
		})
	}
}

func TestNewIsValidAndUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := requestid.New()
		if !requestid.Valid(id) {
			t.Fatalf("New() = %q, not Valid", id)
		}
		if seen[id] {
			t.Fatalf("New() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		ok     bool
	}{
		{header: "", ok: true},
		{header: "X-Request-Id", ok: true},
		{header: "X-Trace_ID", ok: true},
		{header: "X Request", ok: false},
		{header: "X-Request:", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			h := &requestid.Handler{Header: tt.header}
			if err := h.Provision(caddy.Context{}); err != nil {
				t.Fatalf("Provision: %v", err)
			}
			if err := h.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate(%q) = %v, want ok=%v", tt.header, err, tt.ok)
			}
		})
	}
}
