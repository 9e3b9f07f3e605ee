package identity

import (
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/badrequest"
)

// wrongAnswersError is a failed FinishStepUp: the SMS code, the second
// factor or both were wrong. It becomes INVALID_ARGUMENT with a violation
// per wrong field, and unwraps to the errors of the checks.
type wrongAnswersError struct {
	vs   badrequest.List
	errs []error
}

func (e *wrongAnswersError) Error() string   { return errors.Join(e.errs...).Error() }
func (e *wrongAnswersError) Unwrap() []error { return e.errs }

func newWrongAnswers(codeErr, factorErr error, factorField string) error {
	e := &wrongAnswersError{}
	switch {
	case codeErr == nil:
	case errors.Is(codeErr, ErrCodeWrong):
		e.vs.Add("sms_code", "CODE_WRONG", "The code is wrong.")
	case errors.Is(codeErr, ErrCodeUsedUp):
		e.vs.Add("sms_code", "CODE_USED_UP", "Too many wrong codes. Ask for a new one.")
	default:
		e.vs.Add("sms_code", "CODE_EXPIRED", "The code has expired or was used. Ask for a new one.")
	}
	switch {
	case factorErr == nil:
	case errors.Is(factorErr, ErrTOTPReplayed):
		e.vs.Add(factorField, "TOTP_REPLAYED", "This code was already used. Wait for the next one.")
	case factorField == "totp_code":
		e.vs.Add(factorField, "TOTP_WRONG", "The authenticator code is wrong.")
	default:
		e.vs.Add(factorField, "PASSKEY_FAILED", "The passkey could not be verified.")
	}
	for _, err := range []error{codeErr, factorErr} {
		if err != nil {
			e.errs = append(e.errs, err)
		}
	}
	return e
}

// stepUpError is connectError for the step-up, factor and sensitive-field
// RPCs: it maps their errors first, then defers to connectError.
func stepUpError(err error) error {
	var wa *wrongAnswersError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &wa):
		return badrequest.ConnectError(&badrequest.Error{Violations: wa.vs})
	case errors.Is(err, ErrStepUpRequired):
		return infoError(connect.CodeFailedPrecondition, err, "STEP_UP_REQUIRED")
	case errors.Is(err, ErrStepUpNeedsPhone):
		return infoError(connect.CodeFailedPrecondition, err, "STEP_UP_NEEDS_PHONE")
	case errors.Is(err, ErrStepUpNeedsFactor):
		return infoError(connect.CodeFailedPrecondition, err, "STEP_UP_NEEDS_FACTOR")
	case errors.Is(err, ErrChallengeNotFound):
		return infoError(connect.CodeFailedPrecondition, err, "STEP_UP_EXPIRED")
	case errors.Is(err, ErrEnrollmentExpired):
		return infoError(connect.CodeFailedPrecondition, err, "ENROLLMENT_EXPIRED")
	case errors.Is(err, ErrPasskeyNotFound), errors.Is(err, ErrFactorNotFound), errors.Is(err, ErrSensitiveFieldNotSet):
		return connect.NewError(connect.CodeNotFound, err)
	case errors.Is(err, ErrTOTPReplayed):
		return codeFieldError(err, "code", "TOTP_REPLAYED", "This code was already used. Wait for the next one.")
	case errors.Is(err, ErrSecondFactorWrong):
		return codeFieldError(err, "code", "TOTP_WRONG", "The authenticator code is wrong.")
	case errors.Is(err, ErrPasskeyRejected):
		return codeFieldError(err, "credential_json", "PASSKEY_FAILED", "The passkey could not be verified.")
	default:
		return connectError(err)
	}
}

// infoError is an error with a google.rpc.ErrorInfo naming reason.
func infoError(code connect.Code, err error, reason string) *connect.Error {
	return badrequest.WithDetail(connect.NewError(code, err), &errdetails.ErrorInfo{Reason: reason, Domain: errorDomain})
}

// codeFieldError is INVALID_ARGUMENT with one field violation.
func codeFieldError(err error, field, reason, description string) *connect.Error {
	return badrequest.WithDetail(connect.NewError(connect.CodeInvalidArgument, err), badrequest.Detail(badrequest.Violation{
		Field: field, Reason: reason, Description: description,
	}))
}
