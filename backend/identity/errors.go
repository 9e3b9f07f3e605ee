package identity

import (
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/auth"

	"github.com/talent-hub/talent/backend/badrequest"
)

// Errors the identity service returns. connectError maps them, and
// *badrequest.Error, to Connect codes; everything else is an internal error.
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

// connectError turns an error of this package into the *connect.Error the
// client sees. Errors it does not know are returned unchanged, so the
// server's error interceptor logs them and answers "internal error".
func connectError(err error) error {
	var ve *badrequest.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return badrequest.ConnectError(ve)
	case errors.Is(err, ErrEmailTaken):
		return badrequest.WithDetail(connect.NewError(connect.CodeAlreadyExists, ErrEmailTaken), badrequest.Detail(badrequest.Violation{
			Field:       "email",
			Reason:      "EMAIL_TAKEN",
			Description: "An account with this email already exists.",
		}))
	case errors.Is(err, ErrBadCredentials):
		return badrequest.WithDetail(connect.NewError(connect.CodeUnauthenticated, ErrBadCredentials), &errdetails.ErrorInfo{
			Reason: "BAD_CREDENTIALS",
			Domain: errorDomain,
		})
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, auth.ErrNoSession):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	default:
		return err
	}
}
