package canary_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/talent-hub/talent/edge/canary"
)

func envelope(flags byte, payload []byte) []byte {
	out := make([]byte, 5, 5+len(payload))
	out[0] = flags
	binary.BigEndian.PutUint32(out[1:], uint32(len(payload)))
	return append(out, payload...)
}

func gzipped(t *testing.T, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(p)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEndOfStreamStatus checks that errors Connect server streams and
// gRPC-Web report in their last frame, inside the body, are counted by code
// (OPS-4), however the body is cut into writes, and that the body passes
// unchanged.
func TestEndOfStreamStatus(t *testing.T) {
	t.Parallel()
	data := envelope(0, []byte("\x0a\x03abc"))
	tests := []struct {
		name        string
		contentType string
		header      map[string]string
		body        []byte
		chunk       int    // write size; 0 = one io.Copy (ReadFrom)
		class       string // "" = no error counted
	}{
		{name: "connect internal", contentType: "application/connect+proto",
			body: append(append([]byte{}, data...), envelope(2, []byte(`{"error":{"code":"internal","message":"boom"}}`))...), chunk: 1, class: "grpc_internal"},
		{name: "connect unavailable gzip", contentType: "application/connect+json",
			header: map[string]string{"Connect-Content-Encoding": "gzip"},
			body:   append(append([]byte{}, data...), envelope(3, gzipped(t, []byte(`{"error":{"code":"unavailable"}}`)))...), chunk: 7, class: "grpc_unavailable"},
		{name: "connect ok", contentType: "application/connect+proto",
			body: append(append([]byte{}, data...), envelope(2, []byte(`{"metadata":{"a":["b"]}}`))...), chunk: 3},
		{name: "connect not found via ReadFrom", contentType: "application/connect+proto",
			body: append(append([]byte{}, data...), envelope(2, []byte(`{"error":{"code":"not_found"}}`))...), class: "grpc_not_found"},
		{name: "grpc-web unavailable", contentType: "application/grpc-web+proto",
			body: append(append([]byte{}, data...), envelope(0x80, []byte("grpc-status: 14\r\ngrpc-message: down\r\n"))...), chunk: 2, class: "grpc_unavailable"},
		{name: "grpc-web ok", contentType: "application/grpc-web",
			body: append(append([]byte{}, data...), envelope(0x80, []byte("grpc-status:0\r\n"))...)},
		{name: "grpc-web trailers-only header", contentType: "application/grpc-web+proto",
			header: map[string]string{"Grpc-Status": "13"}, class: "grpc_internal"},
		{name: "plain json not parsed", contentType: "application/json",
			body: envelope(2, []byte(`{"error":{"code":"internal"}}`)), chunk: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			margin := 5.0
			h := newHandler(t, t.Name(), 0, &canary.Rollback{Window: caddy.Duration(60e9), Margin: &margin, MinRequests: 1000})
			r := httptest.NewRequest(http.MethodPost, "/talent.x.v1.S/Watch", nil)
			r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
			w := httptest.NewRecorder()
			next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", tt.contentType)
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(http.StatusOK)
				if tt.chunk == 0 {
					_, err := io.Copy(w, bytes.NewReader(tt.body))
					return err
				}
				for p := tt.body; len(p) > 0; {
					n := min(tt.chunk, len(p))
					if _, err := w.Write(p[:n]); err != nil {
						return err
					}
					p = p[n:]
				}
				return nil
			})
			if err := h.ServeHTTP(w, r, next); err != nil {
				t.Fatalf("ServeHTTP: %v", err)
			}
			if !bytes.Equal(w.Body.Bytes(), tt.body) {
				t.Fatalf("body changed: %q, want %q", w.Body.Bytes(), tt.body)
			}
			got := metric(t, h, "talent_canary_errors_total", `class="`)
			if tt.class == "" {
				if got != 0 {
					t.Fatalf("errors_total = %v, want none", got)
				}
				return
			}
			if got := metric(t, h, "talent_canary_errors_total", `class="`+tt.class+`"`); got != 1 {
				t.Fatalf("errors_total{class=%s} = %v, want 1", tt.class, got)
			}
		})
	}
}
