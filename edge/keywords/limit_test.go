package keywords_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/talent-hub/talent/edge/keywords"
)

// TestTooLarge checks that a body over the limit, whether announced,
// chunked or grown by decompression, is refused with a clear error in the
// client's protocol and never truncated; a body at the limit passes whole
// (SEC-5).
func TestTooLarge(t *testing.T) {
	t.Parallel()
	const limit = 1024
	big := bytes.Repeat([]byte("a"), limit+1)
	tests := []struct {
		name        string
		ct, enc     string
		body        []byte
		chunked     bool
		wantStatus  int
		wantGRPC    string
		wantPassLen int
	}{
		{name: "at the limit passes", ct: "application/proto", body: big[:limit], wantPassLen: limit},
		{name: "connect announced", ct: "application/json", body: big, wantStatus: 413},
		{name: "connect chunked", ct: "application/json", body: big, chunked: true, wantStatus: 413},
		{name: "connect gzip bomb", ct: "application/json", enc: "gzip", body: gz(t, bytes.Repeat([]byte(" "), 100*limit)), wantStatus: 413},
		{name: "grpc", ct: "application/grpc", body: frame(0, big), wantStatus: 200, wantGRPC: "8"},
		{name: "grpc gzip bomb", ct: "application/grpc", body: frame(1, gz(t, bytes.Repeat([]byte("x"), 100*limit))), wantStatus: 200, wantGRPC: "8"},
		{name: "grpc many frames inflating", ct: "application/grpc", body: bytes.Repeat(frame(1, gz(t, bytes.Repeat([]byte("x"), limit/2+1))), 3), wantStatus: 200, wantGRPC: "8"},
		{name: "grpc-web", ct: "application/grpc-web+proto", body: frame(0, big), wantStatus: 200, wantGRPC: "8"},
		{name: "form", ct: "application/x-www-form-urlencoded", body: big, chunked: true, wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := provision(t, &keywords.Handler{Block: []string{"赌博"}, MaxBytes: limit})
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: ContentLength -1
			}
			r := httptest.NewRequest(http.MethodPost, "/talent.tasks.v1.TaskService/CreateTask", body)
			r.Header.Set("Content-Type", tt.ct)
			if tt.enc != "" {
				r.Header.Set("Content-Encoding", tt.enc)
			}
			if strings.HasPrefix(tt.ct, "application/grpc") {
				r.Header.Set("Grpc-Encoding", "gzip")
			}
			if tt.chunked {
				r.ContentLength = -1
			}
			be := &backend{}
			w := httptest.NewRecorder()
			if err := h.ServeHTTP(w, r, caddyhttp.HandlerFunc(be.ServeHTTP)); err != nil {
				t.Fatalf("ServeHTTP: %v", err)
			}
			calls := be.calls()
			if tt.wantPassLen > 0 {
				if len(calls) != 1 || len(calls[0]) != tt.wantPassLen {
					t.Fatalf("backend got %d calls, want one with %d bytes", len(calls), tt.wantPassLen)
				}
				return
			}
			if len(calls) != 0 {
				t.Fatalf("backend called with %d bytes, want the request refused", len(calls[0]))
			}
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantGRPC != "" {
				if got := w.Header().Get("Grpc-Status"); got != tt.wantGRPC {
					t.Fatalf("grpc-status = %q, want %s", got, tt.wantGRPC)
				}
				return
			}
			var e struct{ Code, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if e.Code != "resource_exhausted" || !strings.Contains(e.Message, "larger than the limit of 1 KiB") {
				t.Fatalf("error = %+v, want resource_exhausted naming the limit", e)
			}
		})
	}
}
