package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// edgeBinary is the talent-edge binary built once by TestMain.
var edgeBinary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "talent-edge-test-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "create temp dir: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	edgeBinary = filepath.Join(dir, "talent-edge")
	build := exec.Command("go", "build", "-o", edgeBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build talent-edge: %v\n", err)
		return 1
	}
	return m.Run()
}

// Content of the web fixture: a content-hashed wasm with its precompressed
// siblings, and an unhashed file.
const (
	hashedWasm   = "app.0123456789abcdef.wasm"
	wasmIdentity = "\x00asm identity bytes"
	wasmBrotli   = "pretend brotli bytes"
	wasmGzip     = "pretend gzip bytes"
	manifestJSON = `{"name":"talent"}`
)

// stack is one talent-edge process, run with the real deploy/edge/Caddyfile,
// in front of an h2c test upstream and a web fixture directory.
type stack struct {
	httpsPort, httpPort int
	adminAddr           string
	dataDir             string
	client              *http.Client // trusts the edge's local CA, speaks h2
	pool                *x509.CertPool
	upstream            string
	logs                *syncBuffer
	release             chan struct{}
	stop                func() // stops the edge gracefully; also at the test's end
}

func (s *stack) url(host, path string) string {
	return "https://" + net.JoinHostPort(host, strconv.Itoa(s.httpsPort)) + path
}

// startStack starts the upstream and the edge, and waits until the edge
// completes a TLS handshake with a certificate from its own CA.
func startStack(t *testing.T) *stack {
	t.Helper()
	s := &stack{release: make(chan struct{})}
	upstream := startUpstream(t, s.release)
	s.upstream = upstream

	webDir := t.TempDir()
	files := map[string]string{
		hashedWasm:         wasmIdentity,
		hashedWasm + ".br": wasmBrotli,
		hashedWasm + ".gz": wasmGzip,
		"manifest.json":    manifestJSON,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(webDir, name), []byte(body), 0o644); err != nil {
			t.Fatalf("write web fixture: %v", err)
		}
	}

	return runEdge(t, s, upstream, upstream, webDir,
		// Slow refill, so a loaded machine cannot refill a bucket
		// between the calls of TestRateLimitsThroughEdge.
		"TALENT_EDGE_SIGNIN_RATE=10/h",
	)
}

// runEdge runs talent-edge with the real Caddyfile on free ports, with
// stable and canary as its two pools, webDir as its web files and extraEnv
// added, fills in s, and waits until the edge completes a TLS handshake
// with a certificate from its own CA. The edge stops at the test's end or
// by s.stop. A data directory already in s is kept (a restart).
func runEdge(t *testing.T, s *stack, stable, canary, webDir string, extraEnv ...string) *stack {
	t.Helper()
	s.httpsPort, s.httpPort = freePort(t), freePort(t)
	s.adminAddr = net.JoinHostPort("localhost", strconv.Itoa(freePort(t)))
	if s.dataDir == "" {
		s.dataDir = t.TempDir()
	}
	home := t.TempDir()
	env := append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"TALENT_EDGE_HTTPS_ADDR=:" + strconv.Itoa(s.httpsPort),
		"TALENT_EDGE_HTTP_PORT=" + strconv.Itoa(s.httpPort),
		"TALENT_EDGE_ADMIN=" + s.adminAddr,
		"TALENT_EDGE_DATA=" + s.dataDir,
		"TALENT_UPSTREAM=" + stable,
		"TALENT_CANARY_UPSTREAM=" + canary,
		"TALENT_WEB_DIR=" + webDir,
	}, extraEnv...)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, edgeBinary, "run", "--config", caddyfilePath(t), "--adapter", "caddyfile")
	cmd.Env = env
	cmd.Dir = home
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	logs := new(syncBuffer)
	s.logs = logs
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start talent-edge: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			<-exited
			if t.Failed() {
				t.Logf("talent-edge output:\n%s", logs.String())
			}
		})
	}
	t.Cleanup(s.stop)

	// Wait for the local CA's root, then for a verified handshake.
	// The loop is bounded by the process exiting or the deadline below; it
	// asserts nothing about how long start-up takes.
	deadline, stop := context.WithTimeout(t.Context(), 2*time.Minute)
	defer stop()
	for {
		if pool, err := rootPool(s.dataDir); err == nil {
			conn, err := tls.Dial("tcp", net.JoinHostPort("localhost", strconv.Itoa(s.httpsPort)),
				&tls.Config{RootCAs: pool, ServerName: "localhost"})
			if err == nil {
				conn.Close()
				s.client = newClient(pool)
				s.pool = pool
				return s
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("talent-edge exited before it was ready: %v\n%s", err, logs.String())
		case <-deadline.Done():
			t.Fatalf("talent-edge not ready: %v\n%s", deadline.Err(), logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// startUpstream serves, over HTTP/1.1 and h2c, what talentd would: the
// tasks service (Connect, gRPC, gRPC-Web), a server stream that waits for
// release between its two messages, and pages that echo the request ID.
func startUpstream(t *testing.T, release <-chan struct{}) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(tasksv1connect.NewTaskServiceHandler(taskServer{}))
	mux.Handle(identityv1connect.NewIdentityServiceHandler(identityv1connect.UnimplementedIdentityServiceHandler{}))
	mux.HandleFunc("/talent.test.v1.StreamService/Watch", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/connect+proto")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "first\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("upstream flush: %v", err)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Upstream-Saw-Request-Id", r.Header.Get("X-Request-Id"))
		// Echo the ID as talentd might, to check the client still gets one.
		w.Header().Set("X-Request-Id", r.Header.Get("X-Request-Id"))
		fmt.Fprintf(w, "<!doctype html><title>talent</title>%s", strings.Repeat("<p>page</p>", 200))
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen upstream: %v", err)
	}
	srv := &http.Server{Handler: mux, Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

type taskServer struct {
	tasksv1connect.UnimplementedTaskServiceHandler
}

func (taskServer) GetTask(_ context.Context, req *connect.Request[tasksv1.GetTaskRequest]) (*connect.Response[tasksv1.GetTaskResponse], error) {
	if req.Msg.GetIdOrRef() == "T-404" {
		return nil, connect.NewError(connect.CodeNotFound, errors.New("task not found"))
	}
	res := connect.NewResponse(&tasksv1.GetTaskResponse{Task: &tasksv1.Task{Ref: req.Msg.GetIdOrRef(), Title: "through the edge"}})
	res.Header().Set("Upstream-Saw-Request-Id", req.Header().Get("X-Request-Id"))
	res.Trailer().Set("Talent-Test-Trailer", "intact")
	return res, nil
}

func TestTLSVersions(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	pool, err := rootPool(s.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		version uint16
		ok      bool
	}{
		{name: "TLS1.0", version: tls.VersionTLS10, ok: false},
		{name: "TLS1.1", version: tls.VersionTLS11, ok: false},
		{name: "TLS1.2", version: tls.VersionTLS12, ok: true},
		{name: "TLS1.3", version: tls.VersionTLS13, ok: true},
	}
	for _, host := range []string{"localhost", "127.0.0.1"} {
		for _, tt := range tests {
			t.Run(host+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				conf := &tls.Config{
					RootCAs:    pool,
					ServerName: host,
					MinVersion: tt.version,
					MaxVersion: tt.version,
					NextProtos: []string{"h2", "http/1.1"},
				}
				if tt.version < tls.VersionTLS12 {
					// Old versions need old cipher suites and skip
					// verification: the handshake must fail before a
					// certificate would matter.
					conf.InsecureSkipVerify = true
					conf.CipherSuites = []uint16{
						tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
						tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
						tls.TLS_RSA_WITH_AES_128_CBC_SHA,
					}
				}
				conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.httpsPort)), conf)
				if !tt.ok {
					if err == nil {
						conn.Close()
						t.Fatalf("%s handshake succeeded, want it refused", tt.name)
					}
					// The server, not the client, must be the one refusing.
					if !strings.Contains(err.Error(), "protocol version") {
						t.Fatalf("%s handshake error = %v, want a protocol version alert", tt.name, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s handshake: %v", tt.name, err)
				}
				defer conn.Close()
				state := conn.ConnectionState()
				if state.Version != tt.version {
					t.Fatalf("version = %x, want %x", state.Version, tt.version)
				}
				if state.NegotiatedProtocol != "h2" {
					t.Fatalf("ALPN = %q, want h2", state.NegotiatedProtocol)
				}
			})
		}
	}

	t.Run("HTTP/2 and HSTS", func(t *testing.T) {
		t.Parallel()
		res, err := s.client.Get(s.url("localhost", "/"))
		if err != nil {
			t.Fatalf("GET /: %v", err)
		}
		res.Body.Close()
		if res.ProtoMajor != 2 {
			t.Fatalf("protocol = %s, want HTTP/2", res.Proto)
		}
		if got, want := res.Header.Get("Strict-Transport-Security"), "max-age=31536000"; got != want {
			t.Fatalf("Strict-Transport-Security = %q, want %q", got, want)
		}
	})
}

func TestStreamingFlushesAtOnce(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a hang guard only
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		s.url("localhost", "/talent.test.v1.StreamService/Watch"), strings.NewReader("watch"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/connect+proto")
	req.Header.Set("Accept-Encoding", "zstd, gzip")
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("POST stream: %v", err)
	}
	defer res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("protocol = %s, want HTTP/2", res.Proto)
	}
	if got := res.Header.Get("Content-Encoding"); got != "" {
		t.Fatalf("stream Content-Encoding = %q, want none", got)
	}
	body := bufio.NewReader(res.Body)
	// The upstream is blocked on release until this test sees the first
	// message, so the message must have been flushed through the edge.
	first, err := body.ReadString('\n')
	if err != nil {
		t.Fatalf("read first message while the upstream still runs: %v", err)
	}
	if first != "first\n" {
		t.Fatalf("first message = %q, want %q", first, "first\n")
	}
	close(s.release)
	rest, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read rest of stream: %v", err)
	}
	if string(rest) != "second\n" {
		t.Fatalf("rest of stream = %q, want %q", rest, "second\n")
	}
}

func TestRPCThroughEdge(t *testing.T) {
	t.Parallel()
	s := startStack(t)
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
			client := tasksv1connect.NewTaskServiceClient(s.client, s.url("localhost", ""), tt.opts...)
			req := connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "T-000123"})
			req.Header().Set("X-Request-Id", "rpc-"+tt.name)
			res, err := client.GetTask(t.Context(), req)
			if err != nil {
				t.Fatalf("GetTask: %v", err)
			}
			if got, want := res.Msg.GetTask().GetRef(), "T-000123"; got != want {
				t.Fatalf("task ref = %q, want %q", got, want)
			}
			if got, want := res.Trailer().Get("Talent-Test-Trailer"), "intact"; got != want {
				t.Fatalf("trailer Talent-Test-Trailer = %q, want %q", got, want)
			}
			if got, want := res.Header().Get("Upstream-Saw-Request-Id"), "rpc-"+tt.name; got != want {
				t.Fatalf("upstream saw X-Request-Id %q, want %q", got, want)
			}
			if got, want := res.Header().Get("X-Request-Id"), "rpc-"+tt.name; got != want {
				t.Fatalf("response X-Request-Id = %q, want %q", got, want)
			}

			_, err = client.GetTask(t.Context(), connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "T-404"}))
			if got, want := connect.CodeOf(err), connect.CodeNotFound; got != want {
				t.Fatalf("GetTask(T-404) code = %v (%v), want %v", got, err, want)
			}
		})
	}

	// The raw gRPC exchange: grpc-status arrives as an HTTP/2 trailer.
	t.Run("raw grpc trailers", func(t *testing.T) {
		t.Parallel()
		msg := []byte{0x0a, 0x03, 'T', '-', '1'} // GetTaskRequest{id_or_ref: "T-1"}
		frame := append([]byte{0, 0, 0, 0, byte(len(msg))}, msg...)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
			s.url("localhost", tasksv1connect.TaskServiceGetTaskProcedure), bytes.NewReader(frame))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/grpc")
		req.Header.Set("Te", "trailers")
		res, err := s.client.Do(req)
		if err != nil {
			t.Fatalf("POST grpc: %v", err)
		}
		defer res.Body.Close()
		if _, err := io.ReadAll(res.Body); err != nil {
			t.Fatalf("read grpc body: %v", err)
		}
		if got := res.Trailer.Get("Grpc-Status"); got != "0" {
			t.Fatalf("trailer Grpc-Status = %q (trailers %v), want 0", got, res.Trailer)
		}
		if got := res.Trailer.Get("Talent-Test-Trailer"); got != "intact" {
			t.Fatalf("trailer Talent-Test-Trailer = %q, want intact", got)
		}
		if got := res.Header.Get("Content-Encoding"); got != "" {
			t.Fatalf("grpc Content-Encoding = %q, want none", got)
		}
	})
}

func TestPagesThroughEdge(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tests := []struct {
		name       string
		requestID  string // sent by the client; "" sends none
		keep       bool
		encoding   string // Accept-Encoding
		wantEncode string
	}{
		{name: "new ID, gzip", encoding: "gzip", wantEncode: "gzip"},
		{name: "client ID kept, zstd", requestID: "abc-123_XYZ", keep: true, encoding: "zstd, gzip", wantEncode: "zstd"},
		{name: "bad client ID replaced", requestID: "bad id!", encoding: "", wantEncode: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url("localhost", "/tasks"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.requestID != "" {
				req.Header.Set("X-Request-Id", tt.requestID)
			}
			if tt.encoding != "" {
				req.Header.Set("Accept-Encoding", tt.encoding)
			}
			res, err := s.client.Do(req)
			if err != nil {
				t.Fatalf("GET /tasks: %v", err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			saw := res.Header.Get("Upstream-Saw-Request-Id")
			ids := res.Header.Values("X-Request-Id")
			if len(ids) != 1 || ids[0] != saw || saw == "" {
				t.Fatalf("response X-Request-Id = %q, upstream saw %q, want one equal non-empty ID", ids, saw)
			}
			if tt.keep && saw != tt.requestID {
				t.Fatalf("request ID = %q, want the client's %q", saw, tt.requestID)
			}
			if !tt.keep && saw == tt.requestID {
				t.Fatalf("request ID = %q, want a new one", saw)
			}
			if got := res.Header.Get("Content-Encoding"); got != tt.wantEncode {
				t.Fatalf("Content-Encoding = %q, want %q", got, tt.wantEncode)
			}
		})
	}
}

func TestWebFiles(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	const immutable = "public, max-age=31536000, immutable"
	tests := []struct {
		name, path, acceptEncoding string
		status                     int
		contentEncoding            string
		contentType                string
		cacheControl               string
		body                       string
	}{
		{name: "wasm br", path: "/web/" + hashedWasm, acceptEncoding: "br, gzip", status: 200,
			contentEncoding: "br", contentType: "application/wasm", cacheControl: immutable, body: wasmBrotli},
		{name: "wasm gzip only", path: "/web/" + hashedWasm, acceptEncoding: "gzip", status: 200,
			contentEncoding: "gzip", contentType: "application/wasm", cacheControl: immutable, body: wasmGzip},
		{name: "wasm identity", path: "/web/" + hashedWasm, status: 200,
			contentType: "application/wasm", cacheControl: immutable, body: wasmIdentity},
		{name: "unhashed short cache", path: "/web/manifest.json", status: 200,
			contentType: "application/json", cacheControl: "public, max-age=300", body: manifestJSON},
		{name: "missing hashed file not cached", path: "/web/app.fedcba9876543210.wasm", acceptEncoding: "br", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url("localhost", tt.path), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tt.acceptEncoding)
			}
			res, err := s.client.Do(req)
			if err != nil {
				t.Fatalf("GET %s: %v", tt.path, err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatalf("read %s: %v", tt.path, err)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if tt.status != http.StatusOK {
				if got := res.Header.Get("Cache-Control"); got == immutable {
					t.Fatalf("status %d with Cache-Control %q, want it not cached for good", res.StatusCode, got)
				}
				return
			}
			if got := res.Header.Get("Cache-Control"); got != tt.cacheControl {
				t.Fatalf("Cache-Control = %q, want %q", got, tt.cacheControl)
			}
			if got := res.Header.Get("Content-Encoding"); got != tt.contentEncoding {
				t.Fatalf("Content-Encoding = %q, want %q", got, tt.contentEncoding)
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Fatalf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if string(body) != tt.body {
				t.Fatalf("body = %q, want %q", body, tt.body)
			}
		})
	}
}

func TestAdminOnlyOnLocalhost(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	_, port, err := net.SplitHostPort(s.adminAddr)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("reachable on localhost", func(t *testing.T) {
		t.Parallel()
		res, err := http.Get("http://" + s.adminAddr + "/config/")
		if err != nil {
			t.Fatalf("GET admin /config/: %v", err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("admin status = %d, want 200", res.StatusCode)
		}
		var cfg struct {
			Admin struct {
				Listen string `json:"listen"`
			} `json:"admin"`
		}
		if err := json.NewDecoder(res.Body).Decode(&cfg); err != nil {
			t.Fatalf("decode admin config: %v", err)
		}
		if cfg.Admin.Listen != s.adminAddr {
			t.Fatalf("admin.listen = %q, want %q", cfg.Admin.Listen, s.adminAddr)
		}
	})

	t.Run("foreign Host refused", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+s.adminAddr+"/config/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "attacker.example"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET admin: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("admin status with foreign Host = %d, want 403", res.StatusCode)
		}
	})

	t.Run("not bound on other interfaces", func(t *testing.T) {
		t.Parallel()
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			t.Fatalf("list interface addresses: %v", err)
		}
		for _, a := range addrs {
			ipnet, ok := a.(*net.IPNet)
			if !ok || ipnet.IP.IsLoopback() || ipnet.IP.IsLinkLocalUnicast() {
				continue
			}
			conn, err := net.Dial("tcp", net.JoinHostPort(ipnet.IP.String(), port))
			if err == nil {
				conn.Close()
				t.Fatalf("admin port %s answers on %s, want loopback only", port, ipnet.IP)
			}
		}
	})

	t.Run("default admin address is loopback", func(t *testing.T) {
		t.Parallel()
		cmd := exec.CommandContext(t.Context(), edgeBinary, "adapt", "--config", caddyfilePath(t))
		cmd.Env = []string{"HOME=" + t.TempDir()} // no TALENT_* variables: the defaults
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("talent-edge adapt: %v", err)
		}
		var cfg struct {
			Admin struct {
				Listen string `json:"listen"`
			} `json:"admin"`
		}
		if err := json.Unmarshal(out, &cfg); err != nil {
			t.Fatalf("decode adapted config: %v", err)
		}
		host, _, err := net.SplitHostPort(cfg.Admin.Listen)
		if err != nil {
			t.Fatalf("admin.listen %q: %v", cfg.Admin.Listen, err)
		}
		if host != "localhost" {
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				t.Fatalf("default admin.listen = %q, want a loopback address", cfg.Admin.Listen)
			}
		}
	})
}

func TestHTTPRedirectsToHTTPS(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(fmt.Sprintf("http://localhost:%d/tasks?page=2", s.httpPort))
	if err != nil {
		t.Fatalf("GET http: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusPermanentRedirect {
		t.Fatalf("status = %d, want %d", res.StatusCode, http.StatusPermanentRedirect)
	}
	if got, want := res.Header.Get("Location"), s.url("localhost", "/tasks?page=2"); got != want {
		t.Fatalf("Location = %q, want %q", got, want)
	}
}

func newClient(pool *x509.CertPool) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:    &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2:  true,
		DisableCompression: true, // the tests look at Content-Encoding themselves
	}}
}

// rootPool reads the edge's local CA root from its storage directory.
func rootPool(dataDir string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(filepath.Join(dataDir, "pki", "authorities", "local", "root.crt"))
	if err != nil {
		return nil, fmt.Errorf("read local CA root: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("parse local CA root: no certificate")
	}
	return pool, nil
}

func caddyfilePath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "..", "deploy", "edge", "Caddyfile"))
	if err != nil {
		t.Fatalf("locate Caddyfile: %v", err)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects the edge's output from the exec package's copying
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
