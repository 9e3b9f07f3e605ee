package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/quic-go/quic-go/http3"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// TestTLSCipherSuites checks SEC-1's "modern cipher suites only": TLS 1.2
// needs ECDHE with AES-GCM or ChaCha20-Poly1305 on X25519 or P-256; RSA key
// exchange, CBC suites and other curves are refused by the server.
func TestTLSCipherSuites(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tests := []struct {
		name   string
		suites []uint16
		curves []tls.CurveID
		ok     bool
	}{
		{name: "ECDHE AES-128-GCM", suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, ok: true},
		{name: "ECDHE AES-256-GCM", suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}, ok: true},
		{name: "ECDHE ChaCha20", suites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, ok: true},
		{name: "P-256", curves: []tls.CurveID{tls.CurveP256}, ok: true},
		{name: "X25519", curves: []tls.CurveID{tls.X25519}, ok: true},
		{name: "RSA key exchange GCM", suites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384}},
		{name: "RSA key exchange CBC", suites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}},
		{name: "ECDHE CBC", suites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		}},
		{name: "3DES", suites: []uint16{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
		{name: "P-384 only", curves: []tls.CurveID{tls.CurveP384}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conf := &tls.Config{
				RootCAs:          s.pool,
				ServerName:       "localhost",
				MinVersion:       tls.VersionTLS12,
				MaxVersion:       tls.VersionTLS12,
				CipherSuites:     tt.suites,
				CurvePreferences: tt.curves,
			}
			conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.httpsPort)), conf)
			if !tt.ok {
				if err == nil {
					state := conn.ConnectionState()
					conn.Close()
					t.Fatalf("handshake succeeded with %s, want it refused", tls.CipherSuiteName(state.CipherSuite))
				}
				// The server refuses: a handshake_failure alert.
				if !strings.Contains(err.Error(), "handshake failure") {
					t.Fatalf("handshake error = %v, want a handshake failure alert from the server", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			conn.Close()
		})
	}
}

// TestHTTP3 checks that the edge advertises HTTP/3 and serves pages and
// RPCs over it (SEC-1).
func TestHTTP3(t *testing.T) {
	t.Parallel()
	s := startStack(t)

	res, err := s.client.Get(s.url("localhost", "/"))
	if err != nil {
		t.Fatalf("GET / over h2: %v", err)
	}
	res.Body.Close()
	if got, want := res.Header.Get("Alt-Svc"), `h3=":`+strconv.Itoa(s.httpsPort)+`"`; !strings.Contains(got, want) {
		t.Fatalf("Alt-Svc = %q, want it to contain %s", got, want)
	}

	h3 := &http3.Transport{TLSClientConfig: &tls.Config{RootCAs: s.pool}}
	t.Cleanup(func() { h3.Close() })
	client := &http.Client{Transport: h3}

	res, err = client.Get(s.url("localhost", "/"))
	if err != nil {
		t.Fatalf("GET / over h3: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("read / over h3: %v", err)
	}
	if res.ProtoMajor != 3 {
		t.Fatalf("protocol = %s, want HTTP/3", res.Proto)
	}
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "<title>talent</title>") {
		t.Fatalf("GET / over h3: status %d, body %.60q", res.StatusCode, body)
	}
	if got := res.Header.Get("Strict-Transport-Security"); got == "" {
		t.Fatal("no Strict-Transport-Security over h3")
	}

	tasks := tasksv1connect.NewTaskServiceClient(client, s.url("localhost", ""))
	got, err := tasks.GetTask(t.Context(), connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "T-000042"}))
	if err != nil {
		t.Fatalf("GetTask over h3: %v", err)
	}
	if ref := got.Msg.GetTask().GetRef(); ref != "T-000042" {
		t.Fatalf("task ref over h3 = %q, want T-000042", ref)
	}
}

// TestSecurityHeaders checks the headers pages, assets and RPCs carry
// (SEC-1). The browser e2e test (backend/e2e) proves the web app runs under
// this CSP without violations.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	want := map[string]string{
		"Strict-Transport-Security":  "max-age=31536000",
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "strict-origin-when-cross-origin",
		"Cross-Origin-Opener-Policy": "same-origin",
		"X-Frame-Options":            "DENY",
		"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
	}
	cspMust := []string{
		"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'",
		"object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'",
	}
	for _, path := range []string{"/", "/tasks", "/web/manifest.json", "/web/" + hashedWasm} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			res, err := s.client.Get(s.url("localhost", path))
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d", path, res.StatusCode)
			}
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Fatalf("%s = %q, want %q", k, got, v)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, d := range cspMust {
				if !strings.Contains(csp, d) {
					t.Fatalf("Content-Security-Policy = %q, want it to contain %q", csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "'unsafe-eval'") {
				t.Fatalf("Content-Security-Policy = %q allows inline code or eval", csp)
			}
		})
	}
}

// TestSecurityHeadersOnRPCs checks an RPC response carries the API set of
// security headers (SEC-1): HSTS, nosniff, a CSP that allows nothing and no
// framing, and none of the document-only headers.
func TestSecurityHeadersOnRPCs(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		s.url("localhost", "/talent.tasks.v1.TaskService/GetTask"), strings.NewReader(`{"idOrRef":"T-000042"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("POST GetTask: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST GetTask: status %d", res.StatusCode)
	}
	for k, v := range map[string]string{
		"Strict-Transport-Security": "max-age=31536000",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
	} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"Permissions-Policy", "Cross-Origin-Opener-Policy"} {
		if got := res.Header.Get(k); got != "" {
			t.Errorf("%s = %q on an RPC response, want it only on documents", k, got)
		}
	}
}

// TestRateLimitsThroughEdge signs in too often from one address (SEC-1):
// the sixth attempt within the burst of five is refused with
// resource_exhausted and Retry-After whatever the protocol, before it
// reaches talentd; the refusal is counted in the edge's metrics, and a
// config reload through the admin API does not forget it.
func TestRateLimitsThroughEdge(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	logIn := func(opts ...connect.ClientOption) error {
		client := identityv1connect.NewIdentityServiceClient(s.client, s.url("localhost", ""), opts...)
		_, err := client.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: "a@example.com", Password: "x"}))
		return err
	}
	for i := range 5 {
		if err := logIn(); connect.CodeOf(err) != connect.CodeUnimplemented {
			t.Fatalf("attempt %d: %v, want it to reach the upstream (unimplemented)", i+1, err)
		}
	}
	protocols := []struct {
		name string
		opts []connect.ClientOption
	}{
		{name: "connect"},
		{name: "grpc", opts: []connect.ClientOption{connect.WithGRPC()}},
		{name: "grpc-web", opts: []connect.ClientOption{connect.WithGRPCWeb()}},
	}
	for _, p := range protocols {
		err := logIn(p.opts...)
		if connect.CodeOf(err) != connect.CodeResourceExhausted {
			t.Fatalf("%s: attempt over the burst: %v, want resource_exhausted", p.name, err)
		}
		var cerr *connect.Error
		if !errors.As(err, &cerr) || !strings.HasPrefix(cerr.Message(), "too many requests; try again in ") {
			t.Fatalf("%s: error %v, want a try-again message", p.name, err)
		}
		if ra, err := strconv.Atoi(cerr.Meta().Get("Retry-After")); err != nil || ra < 1 || ra > 360 {
			t.Fatalf("%s: Retry-After = %q, want 1..360 seconds (10/h)", p.name, cerr.Meta().Get("Retry-After"))
		}
	}

	// Other endpoints are not limited by the sign-in zone.
	tasks := tasksv1connect.NewTaskServiceClient(s.client, s.url("localhost", ""))
	if _, err := tasks.GetTask(t.Context(), connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "T-1"})); err != nil {
		t.Fatalf("GetTask after sign-in limit: %v", err)
	}

	metrics := adminGet(t, s, "/metrics")
	if want := `talent_edge_ratelimit_limited_total{zone="signin_ip"} 3`; !strings.Contains(metrics, want) {
		t.Fatalf("metrics lack %q:\n%s", want, grepLines(metrics, "talent_edge_"))
	}
	// Request metrics come from talent_canary by default; Caddy's own
	// per-route ones only with TALENT_EDGE_HTTP_METRICS=on (see
	// TestProductionCaddyfile).
	if want := `talent_canary_requests_total{name="default",side="stable"}`; !strings.Contains(metrics, want) {
		t.Fatalf("metrics lack %q:\n%s", want, grepLines(metrics, "talent_canary_"))
	}
	if strings.Contains(metrics, "caddy_http_requests_total") {
		t.Fatalf("Caddy's per-route metrics are on by default:\n%s", grepLines(metrics, "caddy_http_requests_total"))
	}

	// A canary weight change reloads the config (task 3 of issue 6): a
	// client at its limit is still limited afterwards.
	setWeight(t, s, "25")
	if got := adminGet(t, s, "/id/canary/weight"); strings.TrimSpace(got) != "25" {
		t.Fatalf("weight after the change = %s, want 25", got)
	}
	// The new config's keyword filter took the compiled automaton of the
	// old one instead of building it again.
	if n := strings.Count(s.logs.String(), `"msg":"keyword lists loaded"`); n < 2 {
		t.Fatalf("%d keyword list loads logged, want one per config:\n%s", n, grepLines(s.logs.String(), "keyword"))
	}
	if !strings.Contains(grepLines(s.logs.String(), "keyword lists loaded"), `"shared":true`) {
		t.Fatalf("the weight change rebuilt the keyword automaton:\n%s", grepLines(s.logs.String(), "keyword"))
	}
	if err := logIn(); connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Fatalf("after a weight change: %v, want resource_exhausted", err)
	}
}

// TestAccessLog checks that every proxied request is logged as JSON with
// its request ID, status, duration and the upstream that answered.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url("localhost", "/tasks"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Request-Id", "access-log-check")
	req.Header.Set("User-Agent", "access-log-agent/1.0")
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("GET /tasks: %v", err)
	}
	res.Body.Close()

	// The line is written when the response is done; wait for it (bounded).
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, line := range strings.Split(s.logs.String(), "\n") {
			if !strings.Contains(line, `"access-log-check"`) || !strings.Contains(line, `"http.log.access`) {
				continue
			}
			var entry struct {
				RequestID string   `json:"request_id"`
				Status    int      `json:"status"`
				Duration  *float64 `json:"duration"`
				Upstream  string   `json:"upstream"`
				Latency   any      `json:"upstream_latency_ms"`
				UserAgent string   `json:"user_agent"`
			}
			if err := json.Unmarshal([]byte(line), &entry); err != nil {
				t.Fatalf("access log line is not JSON: %v\n%s", err, line)
			}
			if entry.RequestID != "access-log-check" || entry.Status != 200 || entry.Duration == nil ||
				entry.Upstream != s.upstream || entry.Latency == nil || entry.UserAgent != "access-log-agent/1.0" {
				t.Fatalf("access log line = %+v, want request_id, status 200, duration, upstream %s and its latency, user agent\n%s", entry, s.upstream, line)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no access log line for the request:\n%s", s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestProductionCaddyfile adapts deploy/edge/Caddyfile.prod: it must use
// ACME for the public name, keep TLS 1.2+ with the same suites, HTTP/3 and
// metrics, and handle requests exactly as the dev Caddyfile does.
func TestProductionCaddyfile(t *testing.T) {
	t.Parallel()
	type server struct {
		Listen    []string `json:"listen"`
		Protocols []string `json:"protocols"`
		Routes    []struct {
			Match  []map[string]any `json:"match"`
			Handle []any            `json:"handle"`
		} `json:"routes"`
		TLSConnectionPolicies []map[string]any `json:"tls_connection_policies"`
	}
	type config struct {
		Apps struct {
			HTTP struct {
				Servers map[string]server `json:"servers"`
				Metrics map[string]any    `json:"metrics"`
			} `json:"http"`
			TLS struct {
				Automation struct {
					Policies []struct {
						Subjects []string         `json:"subjects"`
						Issuers  []map[string]any `json:"issuers"`
					} `json:"policies"`
				} `json:"automation"`
			} `json:"tls"`
		} `json:"apps"`
	}
	adapt := func(name string, env ...string) config {
		path := filepath.Join(filepath.Dir(caddyfilePath(t)), name)
		cmd := exec.CommandContext(t.Context(), edgeBinary, "adapt", "--config", path)
		cmd.Env = append([]string{"HOME=" + t.TempDir()}, env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("talent-edge adapt %s: %v", name, err)
		}
		var c config
		if err := json.Unmarshal(out, &c); err != nil {
			t.Fatalf("decode adapted %s: %v", name, err)
		}
		return c
	}
	prod := adapt("Caddyfile.prod", "TALENT_EDGE_DOMAIN=talent.example.org", "TALENT_ACME_EMAIL=ops@example.org")
	dev := adapt("Caddyfile")

	https := prod.Apps.HTTP.Servers["srv0"]
	if !reflect.DeepEqual(https.Listen, []string{":443"}) {
		t.Fatalf("prod listens on %v, want :443", https.Listen)
	}
	if !reflect.DeepEqual(https.Protocols, []string{"h1", "h2", "h3"}) {
		t.Fatalf("prod protocols = %v, want h1 h2 h3", https.Protocols)
	}
	if len(https.Routes) != 1 || !reflect.DeepEqual(https.Routes[0].Match, []map[string]any{{"host": []any{"talent.example.org"}}}) {
		t.Fatalf("prod site match = %v, want host talent.example.org", https.Routes)
	}
	policies := prod.Apps.TLS.Automation.Policies
	if len(policies) != 1 || len(policies[0].Issuers) != 1 {
		t.Fatalf("prod TLS automation = %+v, want one ACME policy", policies)
	}
	issuer := policies[0].Issuers[0]
	if issuer["module"] != "acme" || issuer["email"] != "ops@example.org" ||
		issuer["ca"] != "https://acme-v02.api.letsencrypt.org/directory" {
		t.Fatalf("prod issuer = %v, want ACME (Let's Encrypt) with ops@example.org", issuer)
	}
	// Caddy's per-route HTTP metrics: off by default, per host when
	// TALENT_EDGE_HTTP_METRICS=on, in both files.
	if prod.Apps.HTTP.Metrics != nil {
		t.Fatalf("prod metrics = %v, want Caddy's off by default", prod.Apps.HTTP.Metrics)
	}
	for _, name := range []string{"Caddyfile", "Caddyfile.prod"} {
		on := adapt(name, "TALENT_EDGE_HTTP_METRICS=on", "TALENT_EDGE_DOMAIN=talent.example.org")
		if on.Apps.HTTP.Metrics["per_host"] != true {
			t.Fatalf("%s with TALENT_EDGE_HTTP_METRICS=on: metrics = %v, want per_host", name, on.Apps.HTTP.Metrics)
		}
	}

	devSrv := dev.Apps.HTTP.Servers["srv0"]
	if len(devSrv.Routes) != 1 {
		t.Fatalf("dev has %d site routes, want 1", len(devSrv.Routes))
	}
	// Same TLS parameters, same handlers (apart from file defaults).
	policy := func(s server) any {
		p := s.TLSConnectionPolicies[0]
		return []any{p["protocol_min"], p["protocol_max"], p["cipher_suites"], p["curves"]}
	}
	if got, want := policy(https), policy(devSrv); !reflect.DeepEqual(got, want) {
		t.Fatalf("prod TLS policy = %v, want the dev one %v", got, want)
	}
	handlers := func(s server) string {
		b, err := json.Marshal(s.Routes[0].Handle)
		if err != nil {
			t.Fatal(err)
		}
		// Only the file defaults may differ: the web root, the data
		// directory, and the config file that file_server hides.
		out := strings.ReplaceAll(string(b), "/srv/talent/web", "./var/web")
		out = strings.ReplaceAll(out, "/var/lib/talent-edge/", "./var/edge/")
		return strings.ReplaceAll(out, "Caddyfile.prod", "Caddyfile")
	}
	if got, want := handlers(https), handlers(devSrv); got != want {
		t.Fatalf("prod handlers differ from dev:\nprod %s\ndev  %s", got, want)
	}
}

func adminGet(t *testing.T, s *stack, path string) string {
	t.Helper()
	res, err := http.Get("http://" + s.adminAddr + path)
	if err != nil {
		t.Fatalf("GET admin %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET admin %s: status %d, %v", path, res.StatusCode, err)
	}
	return string(b)
}

func grepLines(text, substr string) string {
	var b bytes.Buffer
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
