package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

const (
	logInPath  = "/talent.identity.v1.IdentityService/LogIn"
	createPath = "/talent.tasks.v1.TaskService/CreateTask"
)

// zoneFor names a zone after the test, so parallel tests never share the
// package's zone pool entries.
// zoneRuns numbers the zones tests create.
var zoneRuns atomic.Int64

func zoneFor(t *testing.T, suffix string) string {
	t.Helper()
	r := strings.NewReplacer("/", "_", "-", "_", " ", "_", ".", "_")
	// The run number keeps zones apart under go test -count=N: state lives
	// in a process-wide pool keyed by zone name.
	name := r.Replace(t.Name()) + "_" + suffix + "_" + strconv.FormatInt(zoneRuns.Add(1), 10)
	if len(name) > 64 {
		name = name[len(name)-64:]
	}
	return name
}

// provision provisions h in a fresh Caddy context, as a config load would,
// and cleans it up at the end of the test unless keep is set.
func provision(t *testing.T, h *Handler) caddy.Context {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	t.Cleanup(func() { h.Cleanup() })
	return ctx
}

// request builds a request as Caddy's server would hand it to a handler:
// with a replacer and the client IP variable.
func request(method, path, clientIP string, header http.Header) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader("{}"))
	for k, v := range header {
		r.Header[k] = v
	}
	repl := caddy.NewReplacer()
	ctx := context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl)
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{caddyhttp.ClientIPVarKey: clientIP})
	return r.WithContext(ctx)
}

var passed = caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
})

func serve(t *testing.T, h *Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	if err := h.ServeHTTP(w, r, passed); err != nil {
		t.Fatalf("ServeHTTP: %v", err)
	}
	return w
}

// TestLimitsByKey checks SEC-1's per-IP and per-caller limits on sign-in
// and write endpoints.
func TestLimitsByKey(t *testing.T) {
	t.Parallel()
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	cookie := func(v string) http.Header { return http.Header{"Cookie": {SessionCookie + "=" + v}} }
	type call struct {
		path, ip string
		header   http.Header
		status   int
	}
	tests := []struct {
		name  string
		key   []string
		paths []string
		calls []call
	}{
		{
			name: "per IP", key: []string{KeyIP}, paths: []string{logInPath},
			calls: []call{
				{path: logInPath, ip: "192.0.2.1", status: 204},
				{path: logInPath, ip: "192.0.2.1", status: 204},
				{path: logInPath, ip: "192.0.2.1", status: 429},
				{path: logInPath, ip: "192.0.2.2", status: 204},
				{path: "/talent.identity.v1.IdentityService/GetMe", ip: "192.0.2.1", status: 204},
			},
		},
		{
			name: "IPv6 by /64", key: []string{KeyIP},
			calls: []call{
				{path: logInPath, ip: "2001:db8::1", status: 204},
				{path: logInPath, ip: "2001:db8::2", status: 204},
				{path: logInPath, ip: "2001:db8::3", status: 429},
				{path: logInPath, ip: "2001:db8:0:1::1", status: 204},
			},
		},
		{
			name: "client IP with port", key: []string{KeyIP},
			calls: []call{
				{path: logInPath, ip: "192.0.2.9:1234", status: 204},
				{path: logInPath, ip: "192.0.2.9:5678", status: 204},
				{path: logInPath, ip: "192.0.2.9", status: 429},
			},
		},
		{
			name: "per caller across IPs", key: []string{KeyCaller}, paths: []string{"/talent.tasks.v1.TaskService/Create*"},
			calls: []call{
				{path: createPath, ip: "192.0.2.1", header: bearer("tok-a"), status: 204},
				{path: createPath, ip: "192.0.2.2", header: bearer("tok-a"), status: 204},
				{path: createPath, ip: "192.0.2.3", header: bearer("tok-a"), status: 429},
				{path: createPath, ip: "192.0.2.3", header: bearer("tok-b"), status: 204},
				{path: createPath, ip: "192.0.2.1", header: cookie("sess-a"), status: 204},
				{path: createPath, ip: "192.0.2.2", header: cookie("sess-a"), status: 204},
				{path: createPath, ip: "192.0.2.3", header: cookie("sess-a"), status: 429},
			},
		},
		{
			name: "anonymous caller falls back to IP", key: []string{KeyCaller},
			calls: []call{
				{path: createPath, ip: "192.0.2.1", status: 204},
				{path: createPath, ip: "192.0.2.1", status: 204},
				{path: createPath, ip: "192.0.2.1", status: 429},
				{path: createPath, ip: "192.0.2.1", header: bearer("tok-a"), status: 204},
			},
		},
		{
			name: "IP and caller", key: []string{KeyIP, KeyCaller},
			calls: []call{
				{path: createPath, ip: "192.0.2.1", header: bearer("tok-a"), status: 204},
				{path: createPath, ip: "192.0.2.1", header: bearer("tok-a"), status: 204},
				{path: createPath, ip: "192.0.2.1", header: bearer("tok-a"), status: 429},
				{path: createPath, ip: "192.0.2.2", header: bearer("tok-a"), status: 204},
				{path: createPath, ip: "192.0.2.1", header: bearer("tok-b"), status: 204},
			},
		},
		{
			name: "path case and slashes normalised", key: []string{KeyIP}, paths: []string{logInPath},
			calls: []call{
				{path: logInPath, ip: "192.0.2.1", status: 204},
				{path: strings.ToLower(logInPath), ip: "192.0.2.1", status: 204},
				{path: "/" + logInPath, ip: "192.0.2.1", status: 429},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &Handler{Zones: []*Zone{{
				Name: zoneFor(t, "z"), Key: tt.key, Events: 1, Window: caddy.Duration(time.Hour), Burst: 2,
				Paths: tt.paths,
			}}}
			provision(t, h)
			for i, c := range tt.calls {
				w := serve(t, h, request(http.MethodPost, c.path, c.ip, c.header))
				if w.Code != c.status {
					t.Fatalf("call %d (%s from %s): status = %d, want %d", i, c.path, c.ip, w.Code, c.status)
				}
			}
		})
	}
}

// TestRefusalByProtocol checks that a limited request gets Retry-After
// and an error in the protocol it spoke.
func TestRefusalByProtocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		header             http.Header
		status             int
		contentType        string
		grpcStatus         string
		body               string
	}{
		{name: "connect unary json", method: "POST", path: logInPath,
			header: http.Header{"Content-Type": {"application/json"}, "Connect-Protocol-Version": {"1"}},
			status: 429, contentType: "application/json",
			body: `{"code":"resource_exhausted","message":"too many requests; try again in 3600 seconds"}`},
		{name: "connect unary proto", method: "POST", path: logInPath,
			header: http.Header{"Content-Type": {"application/proto"}},
			status: 429, contentType: "application/json",
			body: `{"code":"resource_exhausted","message":"too many requests; try again in 3600 seconds"}`},
		{name: "connect get", method: "GET", path: logInPath + "?connect=v1&encoding=json&message=%7B%7D",
			status: 429, contentType: "application/json",
			body: `{"code":"resource_exhausted","message":"too many requests; try again in 3600 seconds"}`},
		{name: "connect stream", method: "POST", path: logInPath,
			header: http.Header{"Content-Type": {"application/connect+proto"}},
			status: 200, contentType: "application/connect+proto",
			body: "\x02\x00\x00\x00\x60" + `{"error":{"code":"resource_exhausted","message":"too many requests; try again in 3600 seconds"}}`},
		{name: "grpc", method: "POST", path: logInPath,
			header: http.Header{"Content-Type": {"application/grpc+proto"}},
			status: 200, contentType: "application/grpc+proto", grpcStatus: "8"},
		{name: "grpc-web", method: "POST", path: logInPath,
			header: http.Header{"Content-Type": {"application/grpc-web+proto"}},
			status: 200, contentType: "application/grpc-web+proto", grpcStatus: "8"},
		{name: "plain", method: "GET", path: "/",
			status: 429, contentType: "text/plain; charset=utf-8",
			body: "too many requests; try again in 3600 seconds\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &Handler{Zones: []*Zone{{Name: zoneFor(t, "z"), Events: 1, Window: caddy.Duration(time.Hour)}}}
			provision(t, h)
			if w := serve(t, h, request(tt.method, tt.path, "192.0.2.7", tt.header)); w.Code != http.StatusNoContent {
				t.Fatalf("first call: status = %d, want 204", w.Code)
			}
			w := serve(t, h, request(tt.method, tt.path, "192.0.2.7", tt.header))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d", w.Code, tt.status)
			}
			if got, want := w.Header().Get("Retry-After"), "3600"; got != want {
				t.Fatalf("Retry-After = %q, want %q", got, want)
			}
			if got := w.Header().Get("Content-Type"); got != tt.contentType {
				t.Fatalf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := w.Header().Get("Grpc-Status"); got != tt.grpcStatus {
				t.Fatalf("Grpc-Status = %q, want %q", got, tt.grpcStatus)
			}
			if tt.grpcStatus != "" {
				if got, want := w.Header().Get("Grpc-Message"), "too many requests; try again in 3600 seconds"; got != want {
					t.Fatalf("Grpc-Message = %q, want %q", got, want)
				}
			}
			if got := w.Body.String(); got != tt.body {
				t.Fatalf("body = %q, want %q", got, tt.body)
			}
		})
	}
}

// TestClientsSeeResourceExhausted calls through the limiter with the
// Connect, gRPC and gRPC-Web clients the apps use: each must report
// CodeResourceExhausted, which the web app translates.
func TestClientsSeeResourceExhausted(t *testing.T) {
	t.Parallel()
	h := &Handler{Zones: []*Zone{{
		Name: zoneFor(t, "z"), Key: []string{KeyCaller}, Events: 1, Window: caddy.Duration(time.Hour),
		Paths: []string{"/talent.tasks.v1.TaskService/*"},
	}}}
	provision(t, h)
	_, backend := tasksv1connect.NewTaskServiceHandler(tasksv1connect.UnimplementedTaskServiceHandler{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer())
		ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{caddyhttp.ClientIPVarKey: r.RemoteAddr})
		err := h.ServeHTTP(w, r.WithContext(ctx), caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			backend.ServeHTTP(w, r)
			return nil
		}))
		if err != nil {
			t.Errorf("ServeHTTP: %v", err)
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	tests := []struct {
		name string
		opts []connect.ClientOption
	}{
		{name: "connect"},
		{name: "grpc", opts: []connect.ClientOption{connect.WithGRPC()}},
		{name: "grpc-web", opts: []connect.ClientOption{connect.WithGRPCWeb()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := tasksv1connect.NewTaskServiceClient(srv.Client(), srv.URL, tt.opts...)
			call := func() error {
				req := connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "T-1"})
				req.Header().Set("Authorization", "Bearer token-"+tt.name)
				_, err := client.GetTask(t.Context(), req)
				return err
			}
			// The first call passes the limiter and reaches the backend.
			if err := call(); connect.CodeOf(err) != connect.CodeUnimplemented {
				t.Fatalf("first call: %v, want the backend's unimplemented", err)
			}
			err := call()
			if got := connect.CodeOf(err); got != connect.CodeResourceExhausted {
				t.Fatalf("second call: code %v (%v), want resource_exhausted", got, err)
			}
			var cerr *connect.Error
			if !errors.As(err, &cerr) {
				t.Fatalf("second call error %T, want *connect.Error", err)
			}
			if got, want := cerr.Message(), "too many requests; try again in 3600 seconds"; got != want {
				t.Fatalf("message = %q, want %q", got, want)
			}
		})
	}
}

// TestStateSurvivesReload provisions a second config with the same zone
// before cleaning up the first, as a Caddy reload does: the exhausted
// bucket stays exhausted, and a changed rate applies to it.
func TestStateSurvivesReload(t *testing.T) {
	t.Parallel()
	name := zoneFor(t, "z")
	old := &Handler{Zones: []*Zone{{Name: name, Events: 1, Window: caddy.Duration(time.Hour)}}}
	provision(t, old)
	if w := serve(t, old, request("GET", "/", "192.0.2.1", nil)); w.Code != http.StatusNoContent {
		t.Fatalf("first call: status = %d, want 204", w.Code)
	}

	next := &Handler{Zones: []*Zone{{Name: name, Events: 2, Window: caddy.Duration(time.Hour)}}}
	provision(t, next)
	if err := old.Cleanup(); err != nil {
		t.Fatalf("Cleanup old config: %v", err)
	}
	w := serve(t, next, request("GET", "/", "192.0.2.1", nil))
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("after reload: status = %d, want 429", w.Code)
	}
	// Two events per hour: the next token is at most 30 minutes away.
	if got, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || got < 1 || got > 1800 {
		t.Fatalf("Retry-After = %q, want 1..1800 seconds under the new rate", w.Header().Get("Retry-After"))
	}
	if got := next.states[0].keys(); got != 1 {
		t.Fatalf("keys after reload = %d, want 1", got)
	}
}

// TestMemoryBounded floods a zone with new keys: it never tracks more than
// max_keys, and the sweep drops idle ones.
func TestMemoryBounded(t *testing.T) {
	t.Parallel()
	h := &Handler{Zones: []*Zone{{Name: zoneFor(t, "z"), Events: 1, Window: caddy.Duration(time.Hour), MaxKeys: 50}}}
	provision(t, h)
	for i := range 1000 {
		ip := "10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
		serve(t, h, request("GET", "/", ip, nil))
		if got := h.states[0].keys(); got > 50 {
			t.Fatalf("after %d keys: tracking %d, want at most 50", i+1, got)
		}
	}
	st := h.states[0]
	st.mu.Lock()
	st.sweepLocked(time.Now().Add(2 * time.Hour))
	st.mu.Unlock()
	if got := st.keys(); got != 0 {
		t.Fatalf("after an idle sweep: tracking %d keys, want 0", got)
	}
}

// TestNoRawCredentialsKept checks that the caller key is a digest.
func TestNoRawCredentialsKept(t *testing.T) {
	t.Parallel()
	const secret = "very-secret-session-token"
	h := &Handler{Zones: []*Zone{{Name: zoneFor(t, "z"), Key: []string{KeyCaller}, Events: 1, Window: caddy.Duration(time.Hour)}}}
	provision(t, h)
	serve(t, h, request("POST", createPath, "192.0.2.1", http.Header{"Authorization": {"Bearer " + secret}}))
	serve(t, h, request("POST", createPath, "192.0.2.1", http.Header{"Cookie": {SessionCookie + "=" + secret + "2"}}))
	st := h.states[0]
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.buckets) != 2 {
		t.Fatalf("buckets = %d, want 2", len(st.buckets))
	}
	for k := range st.buckets {
		if strings.Contains(k, secret) || !strings.HasPrefix(k, "caller:") {
			t.Fatalf("bucket key %q, want a caller digest without the credential", k)
		}
	}
}

// TestMetrics checks that refusals are counted by zone in the config's
// registry.
func TestMetrics(t *testing.T) {
	t.Parallel()
	name := zoneFor(t, "z")
	h := &Handler{Zones: []*Zone{{Name: name, Events: 1, Window: caddy.Duration(time.Hour)}}}
	ctx := provision(t, h)
	for range 3 {
		serve(t, h, request("GET", "/", "192.0.2.1", nil))
	}
	if got := testutil.ToFloat64(h.metrics.limited.WithLabelValues(name)); got != 2 {
		t.Fatalf("limited_total{zone=%q} = %v, want 2", name, got)
	}
	n, err := testutil.GatherAndCount(ctx.GetMetricsRegistry(), "talent_edge_ratelimit_limited_total")
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	if n < 1 {
		t.Fatalf("registry has %d talent_edge_ratelimit_limited_total series, want at least 1", n)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		zone Zone
	}{
		{name: "bad name", zone: Zone{Name: "a b", Events: 1, Window: caddy.Duration(time.Second)}},
		{name: "no rate", zone: Zone{Name: "a"}},
		{name: "bad key", zone: Zone{Name: "a", Key: []string{"email"}, Events: 1, Window: caddy.Duration(time.Second)}},
		{name: "negative burst", zone: Zone{Name: "a", Burst: -1, Events: 1, Window: caddy.Duration(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &Handler{Zones: []*Zone{&tt.zone}}
			if err := h.Validate(); err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error", tt.zone)
			}
		})
	}
	if err := (&Handler{}).Validate(); err == nil {
		t.Fatal("Validate of a handler without zones = nil, want an error")
	}
}
