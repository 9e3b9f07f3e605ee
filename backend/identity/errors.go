package identity

import (
	"errors"
	"fmt"
	"math"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/durationpb"

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

	// ErrCodeWrong means an SMS code does not match the one sent.
	ErrCodeWrong = errors.New("the code is wrong")
	// ErrCodeUsedUp means a wrong SMS code used up the code's last attempt.
	ErrCodeUsedUp = errors.New("too many wrong codes: ask for a new one")
	// ErrCodeExpired means there is no valid SMS code for the number: none
	// was sent, it expired, or it was used.
	ErrCodeExpired = errors.New("the code has expired or was used: ask for a new one")
	// ErrPhoneNotRegistered means no account uses a phone number. It is told
	// only to a caller who has just proved they hold the phone.
	ErrPhoneNotRegistered = errors.New("no account uses this phone number")
	// ErrPhoneTaken means an account with the phone number already exists.
	ErrPhoneTaken = errors.New("an account with this phone number already exists")
	// ErrSMSUnavailable means the text message could not be sent.
	ErrSMSUnavailable = errors.New("the text message could not be sent; try again later")

	// errPhoneNotConfigured means the Service was built without Redis or an
	// SMS sender; the client sees an internal error.
	errPhoneNotConfigured = errors.New("phone login is not configured: no Redis or SMS sender")
)

// Reasons of RetryLaterError.
const (
	// ReasonCodeResendTooSoon: a code for the number was sent moments ago.
	ReasonCodeResendTooSoon = "CODE_RESEND_TOO_SOON"
)

// RetryLaterError refuses a request that may be made again after a while.
// The client gets RESOURCE_EXHAUSTED with an ErrorInfo carrying Reason and a
// RetryInfo carrying After.
type RetryLaterError struct {
	Reason string
	After  time.Duration
}

func (e *RetryLaterError) Error() string {
	secs := int(math.Ceil(e.After.Seconds()))
	switch e.Reason {
	case ReasonCodeResendTooSoon:
		return fmt.Sprintf("a code was sent moments ago: ask again in %d seconds", secs)
	case ReasonLockedOut:
		return fmt.Sprintf("too many failed attempts: try again in %d minutes", (secs+59)/60)
	default:
		return fmt.Sprintf("too many attempts: try again in %d seconds", secs)
	}
}

// errorDomain is the google.rpc.ErrorInfo domain of this service's errors.
const errorDomain = "identity.talent"

// connectError turns an error of this package into the *connect.Error the
// client sees. Errors it does not know are returned unchanged, so the
// server's error interceptor logs them and answers "internal error".
func connectError(err error) error {
	var ve *badrequest.Error
	var rl *RetryLaterError
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
	case errors.As(err, &rl):
		ce := connect.NewError(connect.CodeResourceExhausted, errors.New(rl.Error()))
		ce = badrequest.WithDetail(ce, &errdetails.ErrorInfo{Reason: rl.Reason, Domain: errorDomain})
		return badrequest.WithDetail(ce, &errdetails.RetryInfo{RetryDelay: durationpb.New(rl.After.Round(time.Second))})
	case errors.Is(err, ErrCodeWrong):
		return codeError(err, "CODE_WRONG", "The code is wrong.")
	case errors.Is(err, ErrCodeUsedUp):
		return codeError(err, "CODE_USED_UP", "Too many wrong codes. Ask for a new one.")
	case errors.Is(err, ErrCodeExpired):
		return codeError(err, "CODE_EXPIRED", "The code has expired or was used. Ask for a new one.")
	case errors.Is(err, ErrPhoneNotRegistered):
		return badrequest.WithDetail(connect.NewError(connect.CodeNotFound, ErrPhoneNotRegistered), &errdetails.ErrorInfo{
			Reason: "PHONE_NOT_REGISTERED",
			Domain: errorDomain,
		})
	case errors.Is(err, ErrPhoneTaken):
		return badrequest.WithDetail(connect.NewError(connect.CodeAlreadyExists, ErrPhoneTaken), badrequest.Detail(badrequest.Violation{
			Field:       "phone",
			Reason:      "PHONE_TAKEN",
			Description: "An account with this phone number already exists.",
		}))
	case errors.Is(err, ErrSessionNotFound):
		return connect.NewError(connect.CodeNotFound, ErrSessionNotFound)
	case errors.Is(err, ErrSMSUnavailable):
		return badrequest.WithDetail(connect.NewError(connect.CodeUnavailable, ErrSMSUnavailable), &errdetails.ErrorInfo{
			Reason: "SMS_UNAVAILABLE",
			Domain: errorDomain,
		})
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, auth.ErrNoSession):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	default:
		return err
	}
}

// codeError is INVALID_ARGUMENT with a violation of the "code" field.
func codeError(err error, reason, description string) *connect.Error {
	return badrequest.WithDetail(connect.NewError(connect.CodeInvalidArgument, err), badrequest.Detail(badrequest.Violation{
		Field:       "code",
		Reason:      reason,
		Description: description,
	}))
}
