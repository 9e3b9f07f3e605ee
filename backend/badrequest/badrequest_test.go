package badrequest_test

import (
	"errors"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/badrequest"
)

func TestList(t *testing.T) {
	t.Parallel()
	var vs badrequest.List
	if err := vs.Err(); err != nil {
		t.Fatalf("empty list: Err() = %v, want nil", err)
	}
	vs.Add("title", "REQUIRED", "Enter a title.")
	vs.Add("budget_min_fen", "BUDGET_MIN_ABOVE_MAX", "The minimum is above the maximum.")
	err := vs.Err()
	var be *badrequest.Error
	if !errors.As(err, &be) || len(be.Violations) != 2 {
		t.Fatalf("Err() = %v, want a *badrequest.Error with 2 violations", err)
	}
	if got, want := err.Error(), "invalid fields: title, budget_min_fen"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}

	ce := badrequest.ConnectError(be)
	if ce.Code() != connect.CodeInvalidArgument {
		t.Fatalf("code = %v, want invalid_argument", ce.Code())
	}
	if len(ce.Details()) != 1 {
		t.Fatalf("details = %d, want 1", len(ce.Details()))
	}
	v, err := ce.Details()[0].Value()
	if err != nil {
		t.Fatal(err)
	}
	br, ok := v.(*errdetails.BadRequest)
	if !ok || len(br.GetFieldViolations()) != 2 {
		t.Fatalf("detail = %T %v, want a BadRequest with 2 violations", v, v)
	}
	fv := br.GetFieldViolations()[1]
	if fv.GetField() != "budget_min_fen" || fv.GetReason() != "BUDGET_MIN_ABOVE_MAX" || fv.GetDescription() != "The minimum is above the maximum." {
		t.Fatalf("second violation = %v", fv)
	}
}
