package providers

import (
	"errors"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/badrequest"
)

// Errors the provider service returns. connectError maps them, and
// *badrequest.Error, to Connect codes; everything else is an internal error.
var (
	// ErrUnauthenticated means the caller must sign in first.
	ErrUnauthenticated = errors.New("please log in")
	// ErrNoProfile means the user has no provider profile.
	ErrNoProfile = errors.New("no provider profile")
	// ErrSubmissionNotFound means no vetting submission has the id.
	ErrSubmissionNotFound = errors.New("vetting submission not found")
	// ErrFileNotFound means no file of the caller has the id.
	ErrFileNotFound = errors.New("file not found")
)

// PreconditionError is a request refused because of the state things are
// in (already submitted, already decided); Reason is the catalogue code.
type PreconditionError struct {
	Field, Reason, Message string
}

func (e *PreconditionError) Error() string { return e.Message }

// violation returns a one-violation INVALID_ARGUMENT error.
func violation(field, reason, description string) error {
	var vs badrequest.List
	vs.Add(field, reason, description)
	return vs.Err()
}

// connectError turns an error of this package into the *connect.Error the
// client sees. Errors it does not know are returned unchanged, so the
// server's error interceptor logs them and answers "internal error".
func connectError(err error) error {
	var ve *badrequest.Error
	var pe *PreconditionError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return badrequest.ConnectError(ve)
	case errors.As(err, &pe):
		return badrequest.WithDetail(connect.NewError(connect.CodeFailedPrecondition, pe),
			badrequest.Detail(badrequest.Violation{Field: pe.Field, Reason: pe.Reason, Description: pe.Message}))
	case errors.Is(err, ErrUnauthenticated):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	case errors.Is(err, ErrNoProfile):
		return connect.NewError(connect.CodeNotFound, ErrNoProfile)
	case errors.Is(err, ErrSubmissionNotFound):
		return connect.NewError(connect.CodeNotFound, ErrSubmissionNotFound)
	case errors.Is(err, ErrFileNotFound):
		return connect.NewError(connect.CodeNotFound, ErrFileNotFound)
	default:
		return err
	}
}
