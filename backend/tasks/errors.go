package tasks

import (
	"errors"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
)

// Errors the task service returns. connectError maps them, and
// *ValidationError, to Connect codes; everything else is an internal error.
var (
	// ErrNotFound means no task has the id or reference asked for.
	ErrNotFound = errors.New("task not found")
	// ErrUnauthenticated means the caller must sign in first.
	ErrUnauthenticated = errors.New("please log in")
	// ErrNotClient means the caller is signed in but holds no client role.
	ErrNotClient = errors.New("only clients can post tasks")
)

// FieldViolation is one invalid request field: Field is the proto field
// name, Reason a stable UPPER_SNAKE code the UI translates, Description a
// sentence in English.
type FieldViolation struct {
	Field       string
	Reason      string
	Description string
}

// ValidationError lists every invalid field of a request.
type ValidationError struct {
	Violations []FieldViolation
}

// Error returns "invalid fields: " and the names of the invalid fields.
func (e *ValidationError) Error() string {
	fields := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		fields[i] = v.Field
	}
	return "invalid fields: " + strings.Join(fields, ", ")
}

// violations collects FieldViolations while a request is checked.
type violations []FieldViolation

func (vs *violations) add(field, reason, description string) {
	*vs = append(*vs, FieldViolation{Field: field, Reason: reason, Description: description})
}

// err returns a *ValidationError, or nil when nothing was added.
func (vs violations) err() error {
	if len(vs) == 0 {
		return nil
	}
	return &ValidationError{Violations: vs}
}

// connectError turns an error of this package into the *connect.Error the
// client sees. Errors it does not know are returned unchanged, so the
// server's error interceptor logs them and answers "internal error".
func connectError(err error) error {
	var ve *ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return withDetail(connect.NewError(connect.CodeInvalidArgument, errors.New(ve.Error())), badRequest(ve.Violations...))
	case errors.Is(err, ErrNotFound):
		return connect.NewError(connect.CodeNotFound, ErrNotFound)
	case errors.Is(err, ErrUnauthenticated):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	case errors.Is(err, ErrNotClient):
		return connect.NewError(connect.CodePermissionDenied, ErrNotClient)
	default:
		return err
	}
}

func badRequest(vs ...FieldViolation) *errdetails.BadRequest {
	br := &errdetails.BadRequest{}
	for _, v := range vs {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Reason:      v.Reason,
			Description: v.Description,
		})
	}
	return br
}

// withDetail attaches detail to ce. Building a detail from a well-formed
// message cannot fail; if it did, the error is still sent without it.
func withDetail(ce *connect.Error, detail proto.Message) *connect.Error {
	if d, err := connect.NewErrorDetail(detail); err == nil {
		ce.AddDetail(d)
	}
	return ce
}
