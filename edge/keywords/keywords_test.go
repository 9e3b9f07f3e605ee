package keywords_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/talent-hub/talent/edge/keywords"
)

// provision provisions h as Caddy would, and cleans it up after the test.
func provision(t *testing.T, h *keywords.Handler) *keywords.Handler {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if err := h.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Cleanup(); err != nil {
			t.Errorf("Cleanup: %v", err)
		}
	})
	return h
}

// backend records what reached it.
type backend struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.bodies = append(b.bodies, body)
	b.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	return nil
}

func (b *backend) calls() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]byte(nil), b.bodies...)
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// frame is one length-prefixed message (gRPC, gRPC-Web, Connect streaming).
func frame(flags byte, msg []byte) []byte {
	out := make([]byte, 5, 5+len(msg))
	out[0] = flags
	binary.BigEndian.PutUint32(out[1:], uint32(len(msg)))
	return append(out, msg...)
}

// pb encodes string fields 1, 2, ... as a protobuf message.
func pb(fields ...string) []byte {
	var b []byte
	for i, f := range fields {
		b = protowire.AppendTag(b, protowire.Number(i+1), protowire.BytesType)
		b = protowire.AppendString(b, f)
	}
	return b
}

// pbNested wraps msg as field 4 of an outer message with a varint field.
func pbNested(msg []byte) []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 150)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

func js(fields map[string]any) []byte {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return b
}

// TestServeHTTP sends every request form the backend accepts, clean and
// with a block keyword, and checks what is refused and that what passes
// reaches the backend byte for byte (SEC-5).
// TestExcept checks that requests on excepted paths reach the backend
// unjudged and unchanged, and that every other path is still judged,
// whatever case or doubled slashes it is written with.
func TestExcept(t *testing.T) {
	t.Parallel()
	h := provision(t, &keywords.Handler{
		Block:  []string{"赌博"},
		Route:  "test",
		Except: []string{"/talent.identity.v1.IdentityService/LogIn", "/talent.moderation.v1.ModerationService/*"},
	})
	body := js(map[string]any{"word": "赌博"})
	for path, judged := range map[string]bool{
		"/talent.identity.v1.IdentityService/LogIn":           false,
		"/talent.identity.v1.identityservice/login":           false,
		"//talent.identity.v1.IdentityService/LogIn":          false,
		"/talent.moderation.v1.ModerationService/AddKeyword":  false,
		"/talent.identity.v1.IdentityService/LogInX":          true,
		"/talent.identity.v1.IdentityService/SignUp":          true,
		"/talent.moderation.v1.ModerationServiceX/AddKeyword": true,
		"/talent.tasks.v1.TaskService/CreateTask":             true,
		"/talent.identity.v1.IdentityService/LogIn/../SignUp": true,
	} {
		be := &backend{}
		r := httptest.NewRequest(http.MethodPost, "https://x"+path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		if err := h.ServeHTTP(w, r, caddyhttp.HandlerFunc(be.ServeHTTP)); err != nil {
			t.Fatalf("%s: ServeHTTP: %v", path, err)
		}
		calls := be.calls()
		switch {
		case judged && (len(calls) != 0 || w.Code != http.StatusBadRequest):
			t.Errorf("%s: status %d, backend called %d times: want it judged and refused", path, w.Code, len(calls))
		case !judged && (len(calls) != 1 || !bytes.Equal(calls[0], body)):
			t.Errorf("%s: status %d, backend got %q: want the body passed on unjudged", path, w.Code, calls)
		}
	}
	bad := &keywords.Handler{Block: []string{"x"}, Except: []string{"/a["}}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	if err := bad.Provision(ctx); err == nil {
		_ = bad.Cleanup()
		t.Error("Provision with a bad except pattern succeeded, want an error")
	}
}

func TestServeHTTP(t *testing.T) {
	t.Parallel()
	type req struct {
		method, target string
		header         map[string]string
		body           []byte
	}
	post := func(ct string, body []byte, kv ...string) req {
		h := map[string]string{"Content-Type": ct}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return req{method: http.MethodPost, target: "/talent.tasks.v1.TaskService/CreateTask", header: h, body: body}
	}
	const bad = "Post: 线上赌博 now"
	tests := []struct {
		name       string
		req        req
		wantStatus int  // 0: passed to the backend
		wantGRPC   int  // grpc-status expected in the headers, when not -1
		wantWord   bool // message names the keyword
	}{
		// Connect unary.
		{name: "connect json clean", req: post("application/json", js(map[string]any{"title": "Build a site"}))},
		{name: "connect json", req: post("application/json", js(map[string]any{"title": bad})), wantStatus: 400, wantWord: true},
		{name: "connect json escaped", req: post("application/json", []byte(`{"title":"\u8d4c\u535a"}`)), wantStatus: 400},
		{name: "connect json nested", req: post("application/json", []byte(`{"a":[{"b":{"c":"诈骗"}}]}`)), wantStatus: 400},
		{name: "connect json charset", req: post("application/json; charset=utf-8", js(map[string]any{"title": bad})), wantStatus: 400},
		{name: "connect json gzip", req: post("application/json", gz(t, js(map[string]any{"title": bad})), "Content-Encoding", "gzip"), wantStatus: 400},
		{name: "connect json gzip clean", req: post("application/json", gz(t, js(map[string]any{"title": "ok"})), "Content-Encoding", "gzip")},
		{name: "connect json br refused", req: post("application/json", []byte("whatever"), "Content-Encoding", "br"), wantStatus: 501},
		{name: "connect json zstd refused", req: post("application/json", []byte("whatever"), "Content-Encoding", "zstd"), wantStatus: 501},
		{name: "connect json broken gzip", req: post("application/json", []byte("not gzip"), "Content-Encoding", "gzip"), wantStatus: 400},
		{name: "connect proto clean", req: post("application/proto", pb("Build a site", "with Go"))},
		{name: "connect proto", req: post("application/proto", pb("title", bad)), wantStatus: 400},
		{name: "connect proto nested", req: post("application/proto", pbNested(pb("x", "洗钱"))), wantStatus: 400},
		{name: "connect proto deep", req: post("application/proto", pbNested(pbNested(pbNested(pb("赌博"))))), wantStatus: 400},
		{name: "connect proto gzip", req: post("application/proto", gz(t, pb(bad)), "Content-Encoding", "gzip"), wantStatus: 400},
		// Connect streaming.
		{name: "connect stream json", req: post("application/connect+json", frame(0, js(map[string]any{"t": bad}))), wantStatus: 200, wantGRPC: -1},
		{name: "connect stream proto clean", req: post("application/connect+proto", frame(0, pb("fine")))},
		{name: "connect stream proto second message", req: post("application/connect+proto", append(frame(0, pb("fine")), frame(0, pb(bad))...)), wantStatus: 200, wantGRPC: -1},
		{name: "connect stream gzip", req: post("application/connect+proto", frame(1, gz(t, pb(bad))), "Connect-Content-Encoding", "gzip"), wantStatus: 200, wantGRPC: -1},
		{name: "connect stream gzip clean", req: post("application/connect+proto", frame(1, gz(t, pb("ok"))), "Connect-Content-Encoding", "gzip")},
		// gRPC.
		{name: "grpc clean", req: post("application/grpc", frame(0, pb("fine")))},
		{name: "grpc", req: post("application/grpc", frame(0, pb(bad))), wantStatus: 200, wantGRPC: 3},
		{name: "grpc+proto", req: post("application/grpc+proto", frame(0, pbNested(pb(bad)))), wantStatus: 200, wantGRPC: 3},
		{name: "grpc+json", req: post("application/grpc+json", frame(0, js(map[string]any{"t": bad}))), wantStatus: 200, wantGRPC: 3},
		{name: "grpc gzip", req: post("application/grpc", frame(1, gz(t, pb(bad))), "Grpc-Encoding", "gzip"), wantStatus: 200, wantGRPC: 3},
		{name: "grpc gzip clean", req: post("application/grpc", frame(1, gz(t, pb("fine"))), "Grpc-Encoding", "gzip")},
		{name: "grpc snappy refused", req: post("application/grpc", frame(1, []byte("x")), "Grpc-Encoding", "snappy"), wantStatus: 200, wantGRPC: 12},
		// gRPC-Web.
		{name: "grpc-web clean", req: post("application/grpc-web+proto", frame(0, pb("fine")))},
		{name: "grpc-web", req: post("application/grpc-web", frame(0, pb(bad))), wantStatus: 200, wantGRPC: 3},
		{name: "grpc-web+proto gzip", req: post("application/grpc-web+proto", frame(1, gz(t, pb(bad))), "Grpc-Encoding", "gzip"), wantStatus: 200, wantGRPC: 3},
		{name: "grpc-web-text", req: post("application/grpc-web-text", []byte(base64.StdEncoding.EncodeToString(frame(0, pb(bad))))), wantStatus: 400},
		// Forms, plain text, queries.
		{name: "form", req: post("application/x-www-form-urlencoded", []byte("title="+url.QueryEscape(bad))), wantStatus: 400},
		{name: "form clean", req: post("application/x-www-form-urlencoded", []byte("title=fine"))},
		{name: "text", req: post("text/plain", []byte(bad)), wantStatus: 400},
		{name: "query", req: req{method: http.MethodGet, target: "/search?q=" + url.QueryEscape(bad)}, wantStatus: 400},
		{name: "query clean", req: req{method: http.MethodGet, target: "/search?q=go"}},
		{name: "connect get proto", req: req{method: http.MethodGet, target: "/talent.tasks.v1.TaskService/GetTask?connect=v1&encoding=proto&base64=1&message=" +
			base64.RawURLEncoding.EncodeToString(pb(bad))}, wantStatus: 400},
		{name: "connect get gzip", req: req{method: http.MethodGet, target: "/talent.tasks.v1.TaskService/GetTask?connect=v1&encoding=proto&base64=1&compression=gzip&message=" +
			base64.RawURLEncoding.EncodeToString(gz(t, pb(bad)))}, wantStatus: 400},
		{name: "connect get json", req: req{method: http.MethodGet, target: "/talent.tasks.v1.TaskService/GetTask?connect=v1&encoding=json&message=" +
			url.QueryEscape(`{"idOrRef":"\u8d4c\u535a"}`)}, wantStatus: 400},
		// Writing tricks.
		{name: "spaces", req: post("application/json", js(map[string]any{"t": "线上赌 博"})), wantStatus: 400},
		{name: "stars", req: post("application/json", js(map[string]any{"t": "赌*博"})), wantStatus: 400},
		{name: "zero width", req: post("application/json", js(map[string]any{"t": "赌\u200b博"})), wantStatus: 400},
		{name: "full width", req: post("application/json", js(map[string]any{"t": "play ＧＡＭＢＬＥ"})), wantStatus: 400},
		{name: "hyphens", req: post("application/json", js(map[string]any{"t": "g-a-m-b-l-e"})), wantStatus: 400},
		{name: "case", req: post("application/proto", pb("GaMbLe")), wantStatus: 400},
		{name: "split across fields passes", req: post("application/json", js(map[string]any{"a": "赌", "b": "x"}))},
		// Review keywords pass.
		{name: "review", req: post("application/json", js(map[string]any{"t": "加微信聊"}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := provision(t, &keywords.Handler{
				Block:  []string{"赌博", "诈骗", "洗钱", "gamble"},
				Review: []string{"加微信"},
				Route:  "test",
			})
			be := &backend{}
			r := httptest.NewRequest(tt.req.method, tt.req.target, bytes.NewReader(tt.req.body))
			if tt.req.body == nil {
				r = httptest.NewRequest(tt.req.method, tt.req.target, nil)
			}
			for k, v := range tt.req.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			if err := h.ServeHTTP(w, r, caddyhttp.HandlerFunc(be.ServeHTTP)); err != nil {
				t.Fatalf("ServeHTTP: %v", err)
			}
			calls := be.calls()
			if tt.wantStatus == 0 {
				if len(calls) != 1 {
					t.Fatalf("backend called %d times (response %d %s), want once", len(calls), w.Code, w.Body)
				}
				if want := tt.req.body; !bytes.Equal(calls[0], want) && !(len(want) == 0 && len(calls[0]) == 0) {
					t.Fatalf("backend got body %q, want the bytes sent %q", calls[0], want)
				}
				return
			}
			if len(calls) != 0 {
				t.Fatalf("backend called, want the request refused")
			}
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", w.Code, tt.wantStatus, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); strings.Contains(ct, "html") {
				t.Fatalf("Content-Type = %q, want a protocol error, not HTML", ct)
			}
			switch {
			case tt.wantGRPC > 0:
				// Trailers-only: the status is in the headers as written,
				// with no body and no trailers.
				res := w.Result()
				if got := res.Header.Get("Grpc-Status"); got != strconv.Itoa(tt.wantGRPC) {
					t.Fatalf("grpc-status = %q, want %d (headers %v)", got, tt.wantGRPC, res.Header)
				}
				if got := res.Header.Get("Grpc-Message"); got == "" {
					t.Fatal("no grpc-message")
				}
				if got, want := res.Header.Get("Content-Type"), tt.req.header["Content-Type"]; got != want {
					t.Fatalf("Content-Type = %q, want %q", got, want)
				}
				if w.Body.Len() != 0 || len(res.Trailer) != 0 {
					t.Fatalf("body %q, trailers %v; want a trailers-only response", w.Body, res.Trailer)
				}
			case tt.wantGRPC == -1:
				// Connect streaming end-stream or gRPC-Web-Text: an error
				// somewhere in headers or body.
				if !strings.Contains(w.Body.String(), "invalid_argument") && w.Header().Get("Grpc-Status") != "3" {
					t.Fatalf("no invalid_argument error in %v %q", w.Header(), w.Body)
				}
			default:
				var e struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Details []struct {
						Type  string `json:"type"`
						Value string `json:"value"`
					} `json:"details"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
					t.Fatalf("body %q is not a Connect JSON error: %v", w.Body, err)
				}
				if tt.wantStatus == 400 && e.Code != "invalid_argument" {
					t.Fatalf("code = %q, want invalid_argument", e.Code)
				}
				if tt.wantWord && !strings.Contains(e.Message, "赌博") {
					t.Fatalf("message %q does not name the word", e.Message)
				}
			}
		})
	}
}
