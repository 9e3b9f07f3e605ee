package tasks

import (
	"errors"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/badrequest"
)

// RuleError is a market rule the call broke ("you already sent a
// proposal", "the proposal was withdrawn"): a Connect code, and a reason
// the web app translates, for field.
type RuleError struct {
	Code   connect.Code
	Field  string
	Reason string
	Msg    string
}

func (e *RuleError) Error() string { return e.Msg }

// The market's rule errors.
var (
	// ErrNotApproved means the caller is not a provider allowed to take work.
	ErrNotApproved = &RuleError{connect.CodePermissionDenied, "provider", "PROVIDER_NOT_APPROVED",
		"only approved providers can send proposals and take work"}
	// ErrNotVetted means the provider's vetting is not approved (or they
	// are suspended): they submit it at /provider/vetting first (ID-2).
	ErrNotVetted = &RuleError{connect.CodeFailedPrecondition, "provider", "PROVIDER_NOT_VETTED",
		"only providers whose vetting is approved can send proposals and take work"}
	// ErrProposalExists means the provider already has a proposal for the task.
	ErrProposalExists = &RuleError{connect.CodeAlreadyExists, "proposal", "PROPOSAL_EXISTS",
		"you have already sent a proposal for this task; edit it instead"}
	// ErrProposalNotPending means the proposal was withdrawn, awarded or declined.
	ErrProposalNotPending = &RuleError{connect.CodeFailedPrecondition, "proposal", "PROPOSAL_NOT_PENDING",
		"this proposal is no longer pending"}
	// ErrProposalNotFound means no proposal has the id, or the caller may not see it.
	ErrProposalNotFound = &RuleError{connect.CodeNotFound, "proposal_id", "PROPOSAL_NOT_FOUND",
		"proposal not found"}
	// ErrNotYourProposal means the proposal is another provider's.
	ErrNotYourProposal = &RuleError{connect.CodePermissionDenied, "proposal_id", "NOT_YOUR_PROPOSAL",
		"only the provider who sent a proposal can change it"}
	// ErrTaskNotOpen means the task takes no proposals or invitations now.
	ErrTaskNotOpen = &RuleError{connect.CodeFailedPrecondition, "status", "TASK_NOT_OPEN",
		"this task is not open for proposals"}
	// ErrOwnTask means a client tried to propose for their own task.
	ErrOwnTask = &RuleError{connect.CodeFailedPrecondition, "id_or_ref", "OWN_TASK",
		"you cannot send a proposal for your own task"}
	// ErrNotProvider means the caller is not the task's awarded provider.
	ErrNotProvider = &RuleError{connect.CodePermissionDenied, "id_or_ref", "NOT_TASK_PROVIDER",
		"only the task's provider can do this"}
	// ErrNotParty means the caller is neither the task's client nor its provider.
	ErrNotParty = &RuleError{connect.CodePermissionDenied, "id_or_ref", "NOT_TASK_PARTY",
		"only the task's client and provider can do this"}
	// ErrNotInProgress means the task is not in progress.
	ErrNotInProgress = &RuleError{connect.CodeFailedPrecondition, "status", "TASK_NOT_IN_PROGRESS",
		"the task is not in progress"}
	// ErrAttachmentInvalid means an attachment named is not a ready file of
	// the caller for this task.
	ErrAttachmentInvalid = &RuleError{connect.CodeInvalidArgument, "attachment_ids", "ATTACHMENT_INVALID",
		"a file is not an uploaded file of yours for this task"}
	// ErrAttachmentNotFound means no attachment has the id, or it is not the caller's.
	ErrAttachmentNotFound = &RuleError{connect.CodeNotFound, "attachment_id", "ATTACHMENT_NOT_FOUND",
		"file not found"}
	// ErrUploadMissing means the browser has not uploaded the file yet.
	ErrUploadMissing = &RuleError{connect.CodeFailedPrecondition, "attachment_id", "UPLOAD_MISSING",
		"the file has not been uploaded yet"}
	// ErrUploadMismatch means the uploaded file is not what was announced.
	ErrUploadMismatch = &RuleError{connect.CodeInvalidArgument, "attachment_id", "UPLOAD_MISMATCH",
		"the uploaded file is not the size or type announced; it was deleted"}
	// ErrNoFileStore means the service runs without an object store.
	ErrNoFileStore = &RuleError{connect.CodeUnavailable, "attachment_id", "FILES_UNAVAILABLE",
		"file uploads are not available right now"}
)

// ruleConnectError maps a *RuleError to its Connect error with a
// google.rpc.BadRequest detail carrying the reason.
func ruleConnectError(err error) (error, bool) {
	re, ok := errors.AsType[*RuleError](err)
	if !ok {
		return nil, false
	}
	return badrequest.WithDetail(connect.NewError(re.Code, re),
		badrequest.Detail(badrequest.Violation{Field: re.Field, Reason: re.Reason, Description: re.Msg})), true
}
