package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// server is a talentd running in-process.
type server struct {
	baseURL string // main listener, http://host:port
	opsURL  string // ops listener
	logs    *logWriter
}

// logWriter collects talentd's JSON log and reports the "listening" line.
type logWriter struct {
	mu        sync.Mutex
	lines     []string
	partial   string
	listening chan map[string]any
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial += string(p)
	for {
		line, rest, ok := strings.Cut(w.partial, "\n")
		if !ok {
			break
		}
		w.partial = rest
		w.lines = append(w.lines, line)
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) == nil && entry["msg"] == "listening" {
			w.listening <- entry
		}
	}
	return len(p), nil
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// testArgs returns talentd arguments pointing at this test's own database,
// Redis database and MinIO server, listening on free ports.
func testArgs(t *testing.T) []string {
	t.Helper()
	redisURL, _ := testenv.Redis(t)
	m := testenv.MinIO(t)
	return []string{"talentd",
		"--http-addr", "127.0.0.1:0",
		"--ops-addr", "127.0.0.1:0",
		"--services", apiServices(),
		"--database-url", testenv.DatabaseURL(t),
		"--redis-url", redisURL,
		"--s3-endpoint", m.Endpoint,
		"--s3-access-key", m.AccessKey,
		"--s3-secret-key", m.SecretKey,
		"--cookie-secure=false",
		"--log-level", "debug",
	}
}

func noEnv(string) string { return "" }

// startServer runs talentd with args until the test ends, then checks that
// it shut down cleanly.
func startServer(t *testing.T, args []string) *server {
	t.Helper()
	logs := &logWriter{listening: make(chan map[string]any, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, noEnv, logs) }()
	var entry map[string]any
	select {
	case entry = <-logs.listening:
	case err := <-done:
		cancel()
		t.Fatalf("run returned before listening: %v\nlog:\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run after shutdown: %v", err)
		}
		if !strings.Contains(logs.String(), `"msg":"stopped"`) {
			t.Errorf("log has no \"stopped\" line:\n%s", logs.String())
		}
	})
	httpAddr, _ := entry["http_addr"].(string)
	opsAddr, _ := entry["ops_addr"].(string)
	if strings.HasSuffix(httpAddr, ":0") || strings.HasSuffix(opsAddr, ":0") || httpAddr == "" || opsAddr == "" {
		t.Fatalf("listening line has http_addr %q ops_addr %q, want bound addresses", httpAddr, opsAddr)
	}
	return &server{baseURL: "http://" + httpAddr, opsURL: "http://" + opsAddr, logs: logs}
}

// h2cClient speaks HTTP/2 without TLS (prior knowledge), as gRPC clients do.
func h2cClient() *http.Client {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &protocols}}
}

// http1Client speaks HTTP/1.1 only, as browsers behind gRPC-Web proxies and
// simple Connect clients do.
func http1Client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}}
}

// protocols are the three ways apps reach talentd (ARCH-2).
var protocols = []struct {
	name   string
	client func() *http.Client
	opts   []connect.ClientOption
}{
	{"connect", http1Client, nil},
	{"connect-h2c-json", h2cClient, []connect.ClientOption{connect.WithProtoJSON()}},
	{"grpc", h2cClient, []connect.ClientOption{connect.WithGRPC()}},
	{"grpc-web", http1Client, []connect.ClientOption{connect.WithGRPCWeb()}},
}

// withBearer returns req with the session token in its Authorization header.
func withBearer[T any](req *connect.Request[T], token string) *connect.Request[T] {
	req.Header().Set("Authorization", "Bearer "+token)
	return req
}

// fieldViolations returns "field:REASON" for each violation in err's
// google.rpc.BadRequest details.
func fieldViolations(t *testing.T, err error) []string {
	t.Helper()
	cerr, ok := errors.AsType[*connect.Error](err)
	if !ok {
		t.Fatalf("err = %v, want a *connect.Error", err)
	}
	var out []string
	for _, d := range cerr.Details() {
		v, err := d.Value()
		if err != nil {
			t.Fatalf("decode error detail: %v", err)
		}
		if br, ok := v.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				if fv.GetDescription() == "" {
					t.Fatalf("violation %s:%s has no description", fv.GetField(), fv.GetReason())
				}
				out = append(out, fv.GetField()+":"+fv.GetReason())
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestTalentd(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testArgs(t))

	// The group returns when all its parallel subtests have finished.
	t.Run("calls", func(t *testing.T) { testCalls(t, srv) })

	status, body := get(t, srv.opsURL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics = %d", status)
	}
	for _, want := range []string{
		`talent_rpc_requests_total{procedure="/talent.identity.v1.IdentityService/SignUp"}`,
		`talent_rpc_requests_total{procedure="/talent.tasks.v1.TaskService/CreateTask"}`,
		`talent_rpc_errors_total{code="invalid_argument",procedure="/talent.tasks.v1.TaskService/CreateTask"}`,
		`talent_rpc_errors_total{code="unauthenticated",procedure="/talent.tasks.v1.TaskService/CreateTask"}`,
		`talent_rpc_duration_seconds_bucket{procedure="/talent.tasks.v1.TaskService/ListTasks",le="0.1"}`,
		`talent_rpc_requests_total{procedure="/grpc.health.v1.Health/Check"}`,
		`talent_pgxpool_acquires_total{pool="primary"}`,
		`talent_pgxpool_total_conns{pool="primary"}`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("/metrics does not contain %s", want)
		}
	}
}

// testCalls drives the server through every protocol and its
// infrastructure services, in parallel.
func testCalls(t *testing.T, srv *server) {
	t.Run("protocols", func(t *testing.T) {
		t.Parallel()
		for _, p := range protocols {
			t.Run(p.name, func(t *testing.T) {
				t.Parallel()
				testUserJourney(t, srv, p.client(), p.opts)
			})
		}
	})

	t.Run("health", func(t *testing.T) {
		t.Parallel()
		client := grpchealth.NewClient(h2cClient(), srv.baseURL, connect.WithGRPC())
		for _, service := range []string{"", identityv1connect.IdentityServiceName, tasksv1connect.TaskServiceName} {
			res, err := client.Check(t.Context(), &grpchealth.CheckRequest{Service: service})
			if err != nil {
				t.Fatalf("Check(%q): %v", service, err)
			}
			if res.Status != grpchealth.StatusServing {
				t.Fatalf("Check(%q) = %v, want SERVING", service, res.Status)
			}
		}
		_, err := client.Check(t.Context(), &grpchealth.CheckRequest{Service: "talent.payments.v1.PaymentService"})
		if connect.CodeOf(err) != connect.CodeNotFound {
			t.Fatalf("Check(unserved service): err = %v, want not_found", err)
		}
	})

	t.Run("reflection", func(t *testing.T) {
		t.Parallel()
		client := grpcreflect.NewClient(h2cClient(), srv.baseURL, connect.WithGRPC())
		stream := client.NewStream(t.Context())
		defer stream.Close()
		names, err := stream.ListServices()
		if err != nil {
			t.Fatalf("ListServices: %v", err)
		}
		for _, want := range []string{
			identityv1connect.IdentityServiceName, tasksv1connect.TaskServiceName,
			grpchealth.HealthV1ServiceName, grpcreflect.ReflectV1ServiceName,
		} {
			if !slices.Contains(names, protoreflect.FullName(want)) {
				t.Fatalf("ListServices = %v, want it to contain %s", names, want)
			}
		}
		files, err := stream.FileContainingSymbol(tasksv1connect.TaskServiceName)
		if err != nil || len(files) == 0 {
			t.Fatalf("FileContainingSymbol(%s) = %d files, %v", tasksv1connect.TaskServiceName, len(files), err)
		}
	})

	t.Run("reflection v1alpha", func(t *testing.T) {
		t.Parallel()
		// The v1alpha service has the same messages as v1; only the path differs.
		res, err := rawGRPC(t, srv.baseURL+"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
			[]byte{0x3a, 0x00}) // field 7 (list_services) = ""
		if err != nil {
			t.Fatalf("v1alpha reflection: %v", err)
		}
		if !strings.Contains(string(res), tasksv1connect.TaskServiceName) {
			t.Fatalf("v1alpha reflection response %q does not list %s", res, tasksv1connect.TaskServiceName)
		}
	})

	t.Run("unknown procedure", func(t *testing.T) {
		t.Parallel()
		for _, p := range protocols {
			client := connect.NewClient[emptypb.Empty, emptypb.Empty](p.client(),
				srv.baseURL+"/talent.tasks.v1.TaskService/DeleteEverything", p.opts...)
			_, err := client.CallUnary(t.Context(), connect.NewRequest(&emptypb.Empty{}))
			if code := connect.CodeOf(err); code != connect.CodeUnimplemented {
				t.Fatalf("%s: unknown procedure: code %v (%v), want unimplemented", p.name, code, err)
			}
		}
		res, err := http.Post(srv.baseURL+"/talent.tasks.v1.TaskService/DeleteEverything", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("POST unknown procedure: status %d, want 404", res.StatusCode)
		}
	})

	t.Run("ops", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/healthz", "/readyz"} {
			status, body := get(t, srv.opsURL+path)
			if status != http.StatusOK || strings.TrimSpace(body) != "ok" {
				t.Fatalf("GET %s = %d %q, want 200 ok", path, status, body)
			}
		}
	})
}

// testUserJourney signs up, logs in, posts a task and finds it, and is
// refused on bad input, all over one protocol.
func testUserJourney(t *testing.T, srv *server, httpClient *http.Client, opts []connect.ClientOption) {
	ctx := t.Context()
	identity := identityv1connect.NewIdentityServiceClient(httpClient, srv.baseURL, opts...)
	tasks := tasksv1connect.NewTaskServiceClient(httpClient, srv.baseURL, opts...)
	email := strings.ReplaceAll(t.Name(), "/", "-") + "@Example.com"
	const password = "correct horse battery staple"

	// Sign up.
	signUp, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email:           email,
		Password:        password,
		DisplayName:     "Li Lei",
		Roles:           []identityv1.Role{identityv1.Role_ROLE_CLIENT},
		ConsentVersion:  "2025-01",
		WantBearerToken: true,
	}))
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if signUp.Msg.GetBearerToken() == "" {
		t.Fatal("SignUp with want_bearer_token: no bearer_token")
	}
	if got, want := signUp.Msg.GetUser().GetEmail(), strings.ToLower(email); got != want {
		t.Fatalf("SignUp user email = %q, want %q", got, want)
	}
	if c := signUp.Header().Get("Set-Cookie"); !strings.HasPrefix(c, "talent_session=") {
		t.Fatalf("SignUp Set-Cookie = %q, want the session cookie", c)
	}

	// Bad sign-up input: each bad field named, nothing else.
	_, err = identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: "not-an-email", Password: "short", DisplayName: "Han Meimei", ConsentVersion: "2025-01",
	}))
	if code := connect.CodeOf(err); code != connect.CodeInvalidArgument {
		t.Fatalf("SignUp with bad input: code %v (%v), want invalid_argument", code, err)
	}
	if got, want := strings.Join(fieldViolations(t, err), ","), "email:EMAIL_INVALID,password:PASSWORD_TOO_SHORT"; got != want {
		t.Fatalf("SignUp violations = %s, want %s", got, want)
	}

	// Log in.
	logIn, err := identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{
		Email: email, Password: password, WantBearerToken: true,
	}))
	if err != nil {
		t.Fatalf("LogIn: %v", err)
	}
	token := logIn.Msg.GetBearerToken()
	if token == "" {
		t.Fatal("LogIn with want_bearer_token: no bearer_token")
	}
	me, err := identity.GetMe(ctx, withBearer(connect.NewRequest(&identityv1.GetMeRequest{}), token))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if me.Msg.GetUser().GetId() != signUp.Msg.GetUser().GetId() {
		t.Fatalf("GetMe = %v, want the signed-up user", me.Msg.GetUser())
	}

	// Create a task.
	delivery := time.Now().In(time.FixedZone("CST", 8*60*60)).AddDate(0, 1, 0).Format("2006-01-02")
	newTask := &tasksv1.CreateTaskRequest{
		Title:        "Build a payroll export in Go",
		Description:  "CSV export of monthly payroll, **tested**.",
		BudgetMinFen: 200_000,
		BudgetMaxFen: 500_000,
		DeliveryDate: delivery,
		SkillTags:    []string{"Go", "postgresql"},
		TaskType:     tasksv1.TaskType_TASK_TYPE_BACK_END,
		Remote:       true,
	}
	if _, err := tasks.CreateTask(ctx, connect.NewRequest(newTask)); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("anonymous CreateTask: err = %v, want unauthenticated", err)
	}
	created, err := tasks.CreateTask(ctx, withBearer(connect.NewRequest(newTask), token))
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	task := created.Msg.GetTask()
	if !strings.HasPrefix(task.GetRef(), "T-") || task.GetTitle() != newTask.Title || task.GetStatus() != tasksv1.TaskStatus_TASK_STATUS_OPEN {
		t.Fatalf("CreateTask = %v, want an open task with a T- ref", task)
	}

	// List: mine, and the public list.
	mine, err := tasks.ListTasks(ctx, withBearer(connect.NewRequest(&tasksv1.ListTasksRequest{Mine: true}), token))
	if err != nil {
		t.Fatalf("ListTasks mine: %v", err)
	}
	if got := mine.Msg.GetTasks(); len(got) != 1 || got[0].GetId() != task.GetId() {
		t.Fatalf("ListTasks mine = %v, want just %s", got, task.GetRef())
	}
	all, err := tasks.ListTasks(ctx, connect.NewRequest(&tasksv1.ListTasksRequest{PageSize: 100}))
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	if !slices.ContainsFunc(all.Msg.GetTasks(), func(x *tasksv1.Task) bool { return x.GetId() == task.GetId() }) {
		t.Fatalf("ListTasks does not contain %s", task.GetRef())
	}

	// Bad task input.
	_, err = tasks.CreateTask(ctx, withBearer(connect.NewRequest(&tasksv1.CreateTaskRequest{
		Title:        "",
		BudgetMinFen: 500_000,
		BudgetMaxFen: 200_000,
		DeliveryDate: delivery,
		SkillTags:    []string{"go"},
		TaskType:     tasksv1.TaskType_TASK_TYPE_BACK_END,
		Remote:       true,
	}), token))
	if code := connect.CodeOf(err); code != connect.CodeInvalidArgument {
		t.Fatalf("CreateTask with bad input: code %v (%v), want invalid_argument", code, err)
	}
	if got, want := strings.Join(fieldViolations(t, err), ","), "budget_min_fen:BUDGET_MIN_ABOVE_MAX,title:REQUIRED"; got != want {
		t.Fatalf("CreateTask violations = %s, want %s", got, want)
	}
}

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return res.StatusCode, string(body)
}

// rawGRPC sends one length-prefixed message over gRPC (h2c), half-closes,
// and returns the first response message.
func rawGRPC(t *testing.T, url string, msg []byte) ([]byte, error) {
	t.Helper()
	frame := append([]byte{0, 0, 0, 0, byte(len(msg))}, msg...)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(string(frame)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	res, err := h2cClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	head := make([]byte, 5)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, fmt.Errorf("read frame header (grpc-status %q): %w", res.Trailer.Get("Grpc-Status"), err)
	}
	n := int(head[1])<<24 | int(head[2])<<16 | int(head[3])<<8 | int(head[4])
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("read frame: %w", err)
	}
	return body, nil
}

func TestOpsHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		path       string
		ready      error
		wantStatus int
		wantBody   string // a substring of the body
	}{
		{"healthz", "/healthz", nil, http.StatusOK, "ok"},
		{"healthz while not ready", "/healthz", errors.New("ping redis: connection refused"), http.StatusOK, "ok"},
		{"readyz", "/readyz", nil, http.StatusOK, "ok"},
		{"readyz not ready", "/readyz", errors.New("ping redis: connection refused"), http.StatusServiceUnavailable,
			"not ready: ping redis: connection refused"},
		{"metrics", "/metrics", nil, http.StatusOK, "promhttp_metric_handler_errors_total"},
		{"unknown", "/debug", nil, http.StatusNotFound, "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newOpsHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry(),
				func(context.Context) error { return tt.ready }, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Fatalf("GET %s = %d %q, want %d %q", tt.path, rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestTalentdServesWeb(t *testing.T) {
	t.Parallel()
	// A minimal build directory, as webapp/cmd/buildweb writes it.
	webDir := t.TempDir()
	for name, content := range map[string]string{
		"manifest.json": `{"wasm":"/web/app.test.wasm","css":"/web/app.test.css","version":"test"}`,
		"app.test.wasm": "\x00asm",
		"app.test.css":  "body{}",
	} {
		if err := os.WriteFile(filepath.Join(webDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := append(replaceArg(testArgs(t), "--services", "all"), "--web-dir", webDir)
	srv := startServer(t, args)

	status, body := get(t, srv.baseURL+"/")
	if status != http.StatusOK || !strings.Contains(body, "<html") {
		t.Fatalf("GET / = %d, want 200 and a page:\n%.300s", status, body)
	}
	// RPCs still reach their services, and unknown ones get no page.
	tasks := tasksv1connect.NewTaskServiceClient(http1Client(), srv.baseURL)
	if _, err := tasks.ListTasks(t.Context(), connect.NewRequest(&tasksv1.ListTasksRequest{})); err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	client := connect.NewClient[emptypb.Empty, emptypb.Empty](http1Client(), srv.baseURL+"/talent.tasks.v1.TaskService/DeleteEverything")
	if _, err := client.CallUnary(t.Context(), connect.NewRequest(&emptypb.Empty{})); connect.CodeOf(err) != connect.CodeUnimplemented {
		t.Fatalf("unknown procedure with web served: err = %v, want unimplemented", err)
	}
}

// apiServices is every service but the web pages (which need a build).
func apiServices() string {
	return strings.Join(slices.DeleteFunc(slices.Clone(allServices), func(s string) bool { return s == serviceWeb }), ",")
}
