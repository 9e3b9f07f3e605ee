package tasks

import (
	"fmt"
	"slices"
)

// The states of a task, as stored.
const (
	statusDraft      = "draft"
	statusOpen       = "open"
	statusAwarded    = "awarded"
	statusInProgress = "in_progress"
	statusDelivered  = "delivered"
	statusAccepted   = "accepted"
	statusClosed     = "closed"
	statusCancelled  = "cancelled"
	statusDisputed   = "disputed"
)

// party is who may make a transition.
type party string

// The parties to a task.
const (
	partyClient   party = "client"   // the task's owner
	partyProvider party = "provider" // the awarded provider
	partyAdmin    party = "admin"    // a platform admin settling a dispute
)

// transition is one allowed change of a task's status.
type transition struct {
	from, to string
	// by are the parties allowed to make it.
	by []party
}

// transitions is the life of a task (TASK-1..TASK-3, issue 4): the one table
// every status change is checked against. Award, start, deliver, accept and
// dispute are made by the proposal, engagement and delivery flows; the
// client's own changes (publish, close, cancel) are RPCs of this service.
var transitions = []transition{
	{statusDraft, statusOpen, []party{partyClient}},                         // publish
	{statusDraft, statusCancelled, []party{partyClient}},                    // discard a draft
	{statusOpen, statusAwarded, []party{partyClient}},                       // award a proposal
	{statusOpen, statusClosed, []party{partyClient}},                        // close unawarded
	{statusOpen, statusCancelled, []party{partyClient}},                     // cancel
	{statusAwarded, statusInProgress, []party{partyProvider}},               // start work
	{statusAwarded, statusCancelled, []party{partyClient}},                  // cancel before work starts
	{statusInProgress, statusDelivered, []party{partyProvider}},             // deliver
	{statusInProgress, statusDisputed, []party{partyClient, partyProvider}}, // raise a dispute
	{statusDelivered, statusAccepted, []party{partyClient}},                 // accept
	{statusDelivered, statusInProgress, []party{partyClient}},               // ask for changes
	{statusDelivered, statusDisputed, []party{partyClient, partyProvider}},  // raise a dispute
	{statusAccepted, statusClosed, []party{partyClient}},                    // close after acceptance
	{statusDisputed, statusInProgress, []party{partyAdmin}},                 // settle: work goes on
	{statusDisputed, statusCancelled, []party{partyAdmin}},                  // settle: cancel
	{statusDisputed, statusClosed, []party{partyAdmin}},                     // settle: close
}

// SubStatuses are the provider's suggested progress notes while a task is
// in progress; free text up to 40 characters is accepted too.
var SubStatuses = []string{"developing", "testing", "deploying", "waiting for client", "fixing issues"}

// checkTransition returns nil when by may move a task from one status to
// another, and a *TransitionError otherwise.
func checkTransition(from, to string, by party) error {
	for _, t := range transitions {
		if t.from == from && t.to == to && slices.Contains(t.by, by) {
			return nil
		}
	}
	return &TransitionError{From: from, To: to}
}

// TransitionError is a status change the life of a task does not allow.
type TransitionError struct {
	From, To string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("a task that is %s cannot become %s", label(e.From), label(e.To))
}

// label is a status as a person reads it in an English sentence.
func label(status string) string {
	switch status {
	case statusInProgress:
		return "in progress"
	default:
		return status
	}
}
