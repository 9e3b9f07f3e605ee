package matching

import (
	"errors"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/badrequest"
)

// Errors the matching service returns; connectError maps them to Connect
// codes, everything else is an internal error.
var (
	// ErrUnauthenticated means the caller must sign in first.
	ErrUnauthenticated = errors.New("please log in")
	// ErrTaskNotFound means no task has the id asked for.
	ErrTaskNotFound = errors.New("task not found")
	// ErrNotTaskOwner means the caller is not the task's client.
	ErrNotTaskOwner = errors.New("only the task's client sees its recommendations")
	// ErrSlateNotFound means no slate of the caller has the id.
	ErrSlateNotFound = errors.New("slate not found")
)

// connectError turns an error of this package into a *connect.Error.
func connectError(err error) error {
	var ve *badrequest.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return badrequest.ConnectError(ve)
	case errors.Is(err, ErrUnauthenticated):
		return connect.NewError(connect.CodeUnauthenticated, err)
	case errors.Is(err, ErrTaskNotFound), errors.Is(err, ErrSlateNotFound):
		return connect.NewError(connect.CodeNotFound, err)
	case errors.Is(err, ErrNotTaskOwner):
		return connect.NewError(connect.CodePermissionDenied, err)
	default:
		return err
	}
}
