package rpc

import (
	"context"
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestExplain(t *testing.T) {
	t.Parallel()

	withDetail := func(code connect.Code, msg string, fvs ...*errdetails.BadRequest_FieldViolation) error {
		ce := connect.NewError(code, errors.New(msg))
		d, err := connect.NewErrorDetail(&errdetails.BadRequest{FieldViolations: fvs})
		if err != nil {
			t.Fatalf("new error detail: %v", err)
		}
		ce.AddDetail(d)
		return ce
	}

	tests := []struct {
		name string
		err  error
		want Problem
	}{
		{
			name: "email taken",
			err: withDetail(connect.CodeAlreadyExists, "an account with this email already exists",
				&errdetails.BadRequest_FieldViolation{Field: "email", Reason: "EMAIL_TAKEN", Description: "an account with this email already exists"}),
			want: Problem{Code: "already_exists", Violations: []Violation{{Field: "email", Reason: "EMAIL_TAKEN", Description: "an account with this email already exists"}}},
		},
		{
			name: "indexed field",
			err: withDetail(connect.CodeInvalidArgument, "invalid task",
				&errdetails.BadRequest_FieldViolation{Field: "title", Reason: "REQUIRED"},
				&errdetails.BadRequest_FieldViolation{Field: "skill_tags[3]", Reason: "TAG_INVALID"}),
			want: Problem{Code: "invalid_argument", Violations: []Violation{{Field: "title", Reason: "REQUIRED"}, {Field: "skill_tags", Reason: "TAG_INVALID"}}},
		},
		{
			name: "error info and retry info",
			err: func() error {
				ce := connect.NewError(connect.CodeResourceExhausted, errors.New("a code was sent moments ago"))
				for _, m := range []proto.Message{
					&errdetails.ErrorInfo{Reason: "CODE_RESEND_TOO_SOON", Domain: "identity.talent"},
					&errdetails.RetryInfo{RetryDelay: durationpb.New(42 * time.Second)},
				} {
					d, err := connect.NewErrorDetail(m)
					if err != nil {
						t.Fatal(err)
					}
					ce.AddDetail(d)
				}
				return ce
			}(),
			want: Problem{Code: "resource_exhausted", RetryAfter: 42 * time.Second, Reason: "CODE_RESEND_TOO_SOON"},
		},
		{
			name: "error info from the edge",
			err: func() error {
				ce := connect.NewError(connect.CodeInvalidArgument, errors.New("the text contains words that are not allowed on Talent: 赌博"))
				d, err := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: "CONTENT_BLOCKED", Domain: "edge.talent", Metadata: map[string]string{"words": "赌博"}})
				if err != nil {
					t.Fatalf("new error detail: %v", err)
				}
				ce.AddDetail(d)
				return ce
			}(),
			want: Problem{Code: "invalid_argument", Reason: "CONTENT_BLOCKED", Metadata: map[string]string{"words": "赌博"}},
		},
		{
			name: "plain connect error",
			err:  connect.NewError(connect.CodeUnauthenticated, errors.New("please log in")),
			want: Problem{Code: "unauthenticated"},
		},
		{
			name: "transport error",
			err:  context.DeadlineExceeded,
			want: Problem{Code: "unavailable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Explain(tt.err)
			if got.Code != tt.want.Code || got.RetryAfter != tt.want.RetryAfter {
				t.Fatalf("Code, RetryAfter = %q, %v; want %q, %v", got.Code, got.RetryAfter, tt.want.Code, tt.want.RetryAfter)
			}
			if got.Reason != tt.want.Reason || got.Metadata["words"] != tt.want.Metadata["words"] {
				t.Fatalf("Reason, words = %q, %q, want %q, %q", got.Reason, got.Metadata["words"], tt.want.Reason, tt.want.Metadata["words"])
			}
			if len(got.Violations) != len(tt.want.Violations) {
				t.Fatalf("Violations = %+v, want %+v", got.Violations, tt.want.Violations)
			}
			for i := range got.Violations {
				if got.Violations[i] != tt.want.Violations[i] {
					t.Fatalf("Violations[%d] = %+v, want %+v", i, got.Violations[i], tt.want.Violations[i])
				}
			}
		})
	}
}

func TestOrigin(t *testing.T) {
	t.Parallel()
	if got, want := Origin("http", "localhost:8080"), "http://localhost:8080"; got != want {
		t.Fatalf("Origin = %q, want %q", got, want)
	}
	if got, want := Origin("", "talent.example"), "https://talent.example"; got != want {
		t.Fatalf("Origin = %q, want %q", got, want)
	}
}
