package main

import (
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// TestKeywordsThroughEdge drives the real talent-edge, configured by the
// dev Caddyfile and its example lists (deploy/edge/keywords), with the
// generated client over Connect, gRPC and gRPC-Web: a banned word is
// refused in the client's protocol with the reason CONTENT_BLOCKED, and a
// clean or review-list request reaches the backend (SEC-5).
func TestKeywordsThroughEdge(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	tests := []struct {
		name string
		opts []connect.ClientOption
	}{
		{name: "connect"},
		{name: "connect json gzip", opts: []connect.ClientOption{connect.WithProtoJSON(), connect.WithSendGzip(), connect.WithCompressMinBytes(1)}},
		{name: "grpc", opts: []connect.ClientOption{connect.WithGRPC()}},
		{name: "grpc-web", opts: []connect.ClientOption{connect.WithGRPCWeb()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := tasksv1connect.NewTaskServiceClient(s.client, s.url("localhost", ""), tt.opts...)
			res, err := client.GetTask(t.Context(), connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "T-000123 加微信"}))
			if err != nil {
				t.Fatalf("GetTask(clean): %v", err)
			}
			if got, want := res.Msg.GetTask().GetRef(), "T-000123 加微信"; got != want {
				t.Fatalf("ref = %q, want %q", got, want)
			}

			_, err = client.GetTask(t.Context(), connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "网上赌\u200b博"}))
			var ce *connect.Error
			if !errors.As(err, &ce) {
				t.Fatalf("GetTask(banned) err = %v, want a Connect error", err)
			}
			if got, want := ce.Code(), connect.CodeInvalidArgument; got != want {
				t.Fatalf("code = %v (%v), want %v", got, err, want)
			}
			if !strings.Contains(ce.Message(), "赌博") {
				t.Fatalf("message %q does not name the word", ce.Message())
			}
			reason := ""
			for _, d := range ce.Details() {
				if v, err := d.Value(); err == nil {
					if info, ok := v.(*errdetails.ErrorInfo); ok {
						reason = info.GetReason()
					}
				}
			}
			if reason != "CONTENT_BLOCKED" {
				t.Fatalf("ErrorInfo reason = %q, want CONTENT_BLOCKED", reason)
			}
		})
	}
}
