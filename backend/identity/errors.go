package identity

import (
	"errors"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"

	"github.com/talent-hub/talent/backend/auth"
)

// Errors the identity service returns. connectError maps them, and
// *ValidationError, to Connect codes; everything else is an internal error.
var (
	// ErrEmailTaken means an account with the email already exists.
	ErrEmailTaken = errors.New("an account with this email already exists")
	// ErrBadCredentials means the email is unknown or the password wrong;
	// which of the two is deliberately not told.
	ErrBadCredentials = errors.New("email or password is wrong")
	// ErrUnauthenticated means the caller has no valid session.
	ErrUnauthenticated = errors.New("please log in")
)

// errorDomain is the google.rpc.ErrorInfo domain of this service's errors.
const errorDomain = "identity.talent"

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
	case errors.Is(err, ErrEmailTaken):
		return withDetail(connect.NewError(connect.CodeAlreadyExists, ErrEmailTaken), badRequest(FieldViolation{
			Field:       "email",
			Reason:      "EMAIL_TAKEN",
			Description: "An account with this email already exists.",
		}))
	case errors.Is(err, ErrBadCredentials):
		return withDetail(connect.NewError(connect.CodeUnauthenticated, ErrBadCredentials), &errdetails.ErrorInfo{
			Reason: "BAD_CREDENTIALS",
			Domain: errorDomain,
		})
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, auth.ErrNoSession):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
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
