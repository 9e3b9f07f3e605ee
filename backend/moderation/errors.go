package moderation

import (
	"errors"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/badrequest"
)

// Errors of the moderation service.
var (
	// ErrNotFound means no patrol item has the id asked for.
	ErrNotFound = errors.New("patrol item not found")
	// ErrResolved means the patrol item was already decided.
	ErrResolved = errors.New("the patrol item was already resolved")
	// ErrTakeDownUnsupported means items of this kind cannot be taken
	// down from the patrol queue (yet).
	ErrTakeDownUnsupported = errors.New("items of this kind cannot be taken down here")
	// ErrUnauthenticated means the caller must sign in first.
	ErrUnauthenticated = errors.New("please log in")
)

// connectError turns an error of this package into the *connect.Error the
// client sees; unknown errors pass unchanged (internal).
func connectError(err error) error {
	var ve *badrequest.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return badrequest.ConnectError(ve)
	case errors.Is(err, ErrNotFound):
		return connect.NewError(connect.CodeNotFound, ErrNotFound)
	case errors.Is(err, ErrUnauthenticated):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	case errors.Is(err, ErrResolved):
		return badrequest.WithDetail(connect.NewError(connect.CodeFailedPrecondition, ErrResolved),
			badrequest.Detail(badrequest.Violation{Field: "id", Reason: "PATROL_ITEM_RESOLVED", Description: ErrResolved.Error()}))
	case errors.Is(err, ErrTakeDownUnsupported):
		return badrequest.WithDetail(connect.NewError(connect.CodeFailedPrecondition, ErrTakeDownUnsupported),
			badrequest.Detail(badrequest.Violation{Field: "action", Reason: "TAKE_DOWN_UNSUPPORTED", Description: ErrTakeDownUnsupported.Error()}))
	default:
		return err
	}
}
