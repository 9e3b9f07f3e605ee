package keywords_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/edge/keywords"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// taskServer answers CreateTask with the title it received.
type taskServer struct {
	tasksv1connect.UnimplementedTaskServiceHandler
}

func (taskServer) CreateTask(_ context.Context, req *connect.Request[tasksv1.CreateTaskRequest]) (*connect.Response[tasksv1.CreateTaskResponse], error) {
	return connect.NewResponse(&tasksv1.CreateTaskResponse{Task: &tasksv1.Task{Title: req.Msg.GetTitle(), Description: req.Msg.GetDescription()}}), nil
}

func (taskServer) GetTask(_ context.Context, req *connect.Request[tasksv1.GetTaskRequest]) (*connect.Response[tasksv1.GetTaskResponse], error) {
	return connect.NewResponse(&tasksv1.GetTaskResponse{Task: &tasksv1.Task{Ref: req.Msg.GetIdOrRef()}}), nil
}

// startServer serves the tasks service behind the handler over HTTP/2
// with TLS, as the edge would.
func startServer(t *testing.T, h *keywords.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(tasksv1connect.NewTaskServiceHandler(taskServer{}, connect.WithReadMaxBytes(keywords.DefaultMaxBytes)))
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		mux.ServeHTTP(w, r)
		return nil
	})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.ServeHTTP(w, r, next); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestGeneratedClients calls the tasks service through the handler with
// the generated client in every protocol and encoding it speaks (SEC-5).
func TestGeneratedClients(t *testing.T) {
	t.Parallel()
	h := provision(t, &keywords.Handler{Block: []string{"赌博", "洗钱"}, Review: []string{"加微信"}})
	srv := startServer(t, h)
	clients := []struct {
		name string
		opts []connect.ClientOption
	}{
		{name: "connect proto"},
		{name: "connect json", opts: []connect.ClientOption{connect.WithProtoJSON()}},
		{name: "connect gzip", opts: []connect.ClientOption{connect.WithSendGzip()}},
		{name: "connect json gzip", opts: []connect.ClientOption{connect.WithProtoJSON(), connect.WithSendGzip()}},
		{name: "connect get", opts: []connect.ClientOption{connect.WithHTTPGet()}},
		{name: "grpc", opts: []connect.ClientOption{connect.WithGRPC()}},
		{name: "grpc gzip", opts: []connect.ClientOption{connect.WithGRPC(), connect.WithSendGzip()}},
		{name: "grpc json", opts: []connect.ClientOption{connect.WithGRPC(), connect.WithProtoJSON()}},
		{name: "grpc-web", opts: []connect.ClientOption{connect.WithGRPCWeb()}},
		{name: "grpc-web gzip", opts: []connect.ClientOption{connect.WithGRPCWeb(), connect.WithSendGzip()}},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// Compress even the small messages of this test.
			opts := append([]connect.ClientOption{connect.WithCompressMinBytes(1)}, c.opts...)
			client := tasksv1connect.NewTaskServiceClient(srv.Client(), srv.URL, opts...)
			ctx := t.Context()

			res, err := client.CreateTask(ctx, connect.NewRequest(&tasksv1.CreateTaskRequest{Title: "Build a shop", Description: "加微信 for details"}))
			if err != nil {
				t.Fatalf("CreateTask(clean): %v", err)
			}
			if got, want := res.Msg.GetTask().GetTitle(), "Build a shop"; got != want {
				t.Fatalf("title = %q, want %q", got, want)
			}

			_, err = client.CreateTask(ctx, connect.NewRequest(&tasksv1.CreateTaskRequest{Title: "Site", Description: "线上赌 博平台"}))
			assertBlocked(t, err, "赌博")

			_, err = client.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "洗\u200b钱"}))
			assertBlocked(t, err, "洗钱")

			_, err = client.CreateTask(ctx, connect.NewRequest(&tasksv1.CreateTaskRequest{Title: "big", Description: strings.Repeat("x", keywords.DefaultMaxBytes+1)}))
			if got, want := connect.CodeOf(err), connect.CodeResourceExhausted; got != want {
				t.Fatalf("CreateTask(5 MiB) code = %v (%v), want %v", got, err, want)
			}
		})
	}
}

func assertBlocked(t *testing.T, err error, word string) {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a Connect error", err)
	}
	if got, want := ce.Code(), connect.CodeInvalidArgument; got != want {
		t.Fatalf("code = %v (%v), want %v", got, err, want)
	}
	if !strings.Contains(ce.Message(), word) {
		t.Fatalf("message %q does not name %q", ce.Message(), word)
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if info, ok := v.(*errdetails.ErrorInfo); ok {
			if got, want := info.GetReason(), keywords.ReasonContentBlocked; got != want {
				t.Fatalf("ErrorInfo.reason = %q, want %q", got, want)
			}
			if got := info.GetMetadata()["words"]; got != word {
				t.Fatalf("ErrorInfo.metadata[words] = %q, want %q", got, word)
			}
			return
		}
	}
	t.Fatalf("error %v has no google.rpc.ErrorInfo detail", err)
}
