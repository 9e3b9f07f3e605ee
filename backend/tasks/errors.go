package tasks

import (
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/badrequest"
)

// Errors the task service returns. connectError maps them, and
// *badrequest.Error, to Connect codes; everything else is an internal error.
var (
	// ErrNotFound means no task has the id or reference asked for.
	ErrNotFound = errors.New("task not found")
	// ErrUnauthenticated means the caller must sign in first.
	ErrUnauthenticated = errors.New("please log in")
	// ErrNotClient means the caller is signed in but holds no client role.
	ErrNotClient = errors.New("only clients can post tasks")
	// ErrNotEditable means the task is past the point where it can be
	// edited (only drafts and open tasks can).
	ErrNotEditable = errors.New("only a draft or open task can be edited")
)

// NotOwnerError means the caller is not the task's client, who alone may
// do Action ("edit", "publish", ...).
type NotOwnerError struct {
	Action string
}

func (e *NotOwnerError) Error() string {
	return "only the task's client can " + e.Action + " it"
}

// connectError turns an error of this package into the *connect.Error the
// client sees. Errors it does not know are returned unchanged, so the
// server's error interceptor logs them and answers "internal error".
func connectError(err error) error {
	var ve *badrequest.Error
	var te *TransitionError
	var oe *NotOwnerError
	switch {
	case err == nil:
		return nil
	case isRuleError(err):
		ce, _ := ruleConnectError(err)
		return ce
	case errors.As(err, &ve):
		return badrequest.ConnectError(ve)
	case errors.Is(err, ErrNotFound):
		return connect.NewError(connect.CodeNotFound, ErrNotFound)
	case errors.Is(err, ErrUnauthenticated):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	case errors.Is(err, ErrNotClient):
		return connect.NewError(connect.CodePermissionDenied, ErrNotClient)
	case errors.As(err, &oe):
		return connect.NewError(connect.CodePermissionDenied, oe)
	case errors.As(err, &te):
		return badrequest.WithDetail(connect.NewError(connect.CodeFailedPrecondition, te),
			badrequest.Detail(badrequest.Violation{Field: "status", Reason: "TRANSITION_NOT_ALLOWED", Description: te.Error()}))
	case errors.Is(err, ErrStepUpRequired):
		// As identity's own step-up refusals: the app runs the step-up
		// dialog for the operation and retries.
		return badrequest.WithDetail(connect.NewError(connect.CodeFailedPrecondition, ErrStepUpRequired),
			&errdetails.ErrorInfo{Reason: "STEP_UP_REQUIRED", Domain: "tasks.talent", Metadata: map[string]string{
				"operation": "STEP_UP_OPERATION_DELETE_PROJECT",
			}})
	case errors.Is(err, ErrNotEditable):
		return badrequest.WithDetail(connect.NewError(connect.CodeFailedPrecondition, ErrNotEditable),
			badrequest.Detail(badrequest.Violation{Field: "status", Reason: "TASK_NOT_EDITABLE", Description: ErrNotEditable.Error()}))
	default:
		return err
	}
}

func isRuleError(err error) bool {
	_, ok := errors.AsType[*RuleError](err)
	return ok
}
