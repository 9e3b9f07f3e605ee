package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/talent-hub/talent/backend/telemetry"
)

// syncBuffer is a log destination safe to read while handlers write.
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

// serve mounts one unary handler under procedure behind the metrics and error
// interceptors and returns a client for it.
func serve(t *testing.T, procedure string, metrics *telemetry.Metrics, logs *syncBuffer,
	fn func(context.Context) error) *connect.Client[emptypb.Empty, emptypb.Empty] {
	t.Helper()
	logger := telemetry.NewLogger(logs, "json", "debug")
	mux := http.NewServeMux()
	mux.Handle(procedure, connect.NewUnaryHandler(procedure,
		func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[emptypb.Empty], error) {
			if err := fn(ctx); err != nil {
				return nil, err
			}
			return connect.NewResponse(&emptypb.Empty{}), nil
		},
		connect.WithInterceptors(metrics, telemetry.NewErrorInterceptor(logger))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return connect.NewClient[emptypb.Empty, emptypb.Empty](srv.Client(), srv.URL+procedure)
}

func TestErrorInterceptor(t *testing.T) {
	t.Parallel()
	badRequest := connect.NewError(connect.CodeInvalidArgument, errors.New("title is required"))
	detail, err := connect.NewErrorDetail(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: "title", Reason: "REQUIRED", Description: "Enter a title."},
	}})
	if err != nil {
		t.Fatal(err)
	}
	badRequest.AddDetail(detail)

	tests := []struct {
		name        string
		err         error
		wantCode    connect.Code
		wantMsg     string
		wantDetails int
		wantLog     string // substring of the log; "" means nothing at error level
	}{
		{name: "plain error is hidden", err: fmt.Errorf("insert task: %w", errors.New("relation \"tasks\" does not exist")),
			wantCode: connect.CodeInternal, wantMsg: "internal error",
			wantLog: `"msg":"internal error","procedure":"/test.v1.TestService/Plain","request_id":"req-123","error":"insert task: relation \"tasks\" does not exist"`},
		{name: "connect error passes", err: badRequest,
			wantCode: connect.CodeInvalidArgument, wantMsg: "title is required", wantDetails: 1},
		{name: "wrapped connect error passes", err: fmt.Errorf("create task: %w", connect.NewError(connect.CodeNotFound, errors.New("task not found"))),
			wantCode: connect.CodeNotFound, wantMsg: "task not found"},
		{name: "canceled", err: fmt.Errorf("query: %w", context.Canceled),
			wantCode: connect.CodeCanceled, wantMsg: "context canceled"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			proc := "/test.v1.TestService/Plain"
			if i > 0 {
				proc = fmt.Sprintf("/test.v1.TestService/Case%d", i)
			}
			client := serve(t, proc, telemetry.NewMetrics(), logs, func(context.Context) error { return tt.err })
			req := connect.NewRequest(&emptypb.Empty{})
			req.Header().Set(telemetry.RequestIDHeader, "req-123")
			_, err := client.CallUnary(t.Context(), req)
			cerr, ok := errors.AsType[*connect.Error](err)
			if !ok {
				t.Fatalf("err = %v, want a *connect.Error", err)
			}
			if cerr.Code() != tt.wantCode || cerr.Message() != tt.wantMsg {
				t.Fatalf("err = %v %q, want %v %q", cerr.Code(), cerr.Message(), tt.wantCode, tt.wantMsg)
			}
			if got := len(cerr.Details()); got != tt.wantDetails {
				t.Fatalf("details = %d, want %d", got, tt.wantDetails)
			}
			log := logs.String()
			if tt.wantLog == "" {
				if strings.Contains(log, `"level":"ERROR"`) {
					t.Fatalf("log has an error line, want none:\n%s", log)
				}
				return
			}
			if !strings.Contains(log, tt.wantLog) || !strings.Contains(log, `"level":"ERROR"`) {
				t.Fatalf("log = %s\nwant an error line containing %s", log, tt.wantLog)
			}
		})
	}
}

// metricValue returns the value of the metric name with the given labels: a
// counter's value or a histogram's sample count.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metrics
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

func TestMetricsUnary(t *testing.T) {
	t.Parallel()
	metrics := telemetry.NewMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics)
	const ok, failing = "/test.v1.TestService/Ok", "/test.v1.TestService/Failing"
	okClient := serve(t, ok, metrics, &syncBuffer{}, func(context.Context) error { return nil })
	failClient := serve(t, failing, metrics, &syncBuffer{}, func(context.Context) error {
		return connect.NewError(connect.CodeInvalidArgument, errors.New("bad"))
	})
	for range 2 {
		if _, err := okClient.CallUnary(t.Context(), connect.NewRequest(&emptypb.Empty{})); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := failClient.CallUnary(t.Context(), connect.NewRequest(&emptypb.Empty{})); err == nil {
		t.Fatal("failing call: err = nil")
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"talent_rpc_requests_total", map[string]string{"procedure": ok}, 2},
		{"talent_rpc_duration_seconds", map[string]string{"procedure": ok}, 2},
		{"talent_rpc_errors_total", map[string]string{"procedure": ok}, 0},
		{"talent_rpc_requests_total", map[string]string{"procedure": failing}, 1},
		{"talent_rpc_errors_total", map[string]string{"procedure": failing, "code": "invalid_argument"}, 1},
	}
	for _, tt := range tests {
		if got := metricValue(t, reg, tt.name, tt.labels); got != tt.want {
			t.Fatalf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}

func TestMetricsStreaming(t *testing.T) {
	t.Parallel()
	metrics := telemetry.NewMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics)
	logs := &syncBuffer{}
	const proc = "/test.v1.TestService/Stream"
	mux := http.NewServeMux()
	mux.Handle(proc, connect.NewServerStreamHandler(proc,
		func(_ context.Context, _ *connect.Request[emptypb.Empty], stream *connect.ServerStream[emptypb.Empty]) error {
			if err := stream.Send(&emptypb.Empty{}); err != nil {
				return err
			}
			return errors.New("lost the connection to the database")
		},
		connect.WithInterceptors(metrics, telemetry.NewErrorInterceptor(telemetry.NewLogger(logs, "json", "info")))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := connect.NewClient[emptypb.Empty, emptypb.Empty](srv.Client(), srv.URL+proc)
	stream, err := client.CallServerStream(t.Context(), connect.NewRequest(&emptypb.Empty{}))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for stream.Receive() {
		n++
	}
	if n != 1 {
		t.Fatalf("received %d messages, want 1", n)
	}
	if code, msg := connect.CodeOf(stream.Err()), stream.Err().(*connect.Error).Message(); code != connect.CodeInternal || msg != "internal error" {
		t.Fatalf("stream error = %v %q, want internal \"internal error\"", code, msg)
	}
	stream.Close()
	if got := metricValue(t, reg, "talent_rpc_requests_total", map[string]string{"procedure": proc}); got != 1 {
		t.Fatalf("requests = %v, want 1", got)
	}
	if got := metricValue(t, reg, "talent_rpc_errors_total", map[string]string{"procedure": proc, "code": "internal"}); got != 1 {
		t.Fatalf("errors{internal} = %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "lost the connection to the database") {
		t.Fatalf("log = %s, want the internal detail", logs.String())
	}
}

func TestNewLogger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format, level string
		wantValid     bool
		wantDebug     bool
		wantJSON      bool
	}{
		{"json", "info", true, false, true},
		{"json", "debug", true, true, true},
		{"text", "warn", true, false, false},
		{"xml", "info", false, false, true},
		{"json", "loud", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.format+"/"+tt.level, func(t *testing.T) {
			t.Parallel()
			if err := telemetry.ValidateLogConfig(tt.format, tt.level); (err == nil) != tt.wantValid {
				t.Fatalf("ValidateLogConfig = %v, want valid %v", err, tt.wantValid)
			}
			var buf bytes.Buffer
			logger := telemetry.NewLogger(&buf, tt.format, tt.level)
			logger.Debug("debug-line")
			logger.Error("e", "k", "v")
			if got := strings.Contains(buf.String(), "debug-line"); got != tt.wantDebug {
				t.Fatalf("debug logged = %v, want %v:\n%s", got, tt.wantDebug, buf.String())
			}
			last := strings.TrimSpace(buf.String())
			if i := strings.LastIndex(last, "\n"); i >= 0 {
				last = last[i+1:]
			}
			if got := json.Valid([]byte(last)); got != tt.wantJSON {
				t.Fatalf("JSON = %v, want %v: %s", got, tt.wantJSON, last)
			}
		})
	}
}
