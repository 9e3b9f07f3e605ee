package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
)

// StepUp uses up a fresh step-up verification (ID-4):
// (*identity.Service).RequireStepUp, which returns
// identity.ErrStepUpRequired when the user has none for op and target.
type StepUp interface {
	RequireStepUp(ctx context.Context, userID uuid.UUID, op identity.Operation, target string) error
}

// ErrStepUpRequired means cancelling the task needs a fresh step-up for
// identity.OpDeleteProject bound to the task (its id, or its reference).
var ErrStepUpRequired = errors.New("verify it's you first: cancelling a task needs a fresh step-up verification for it")

// requireStepUp uses up the client's step-up for deleting task t, bound to
// its id or, failing that, its reference ("T-000123").
func (s *Service) requireStepUp(ctx context.Context, clientID uuid.UUID, t db.Task) error {
	if s.stepUp == nil {
		return ErrStepUpRequired
	}
	for _, target := range []string{t.ID.String(), formatRef(t.RefNo)} {
		err := s.stepUp.RequireStepUp(ctx, clientID, identity.OpDeleteProject, target)
		if err == nil {
			return nil
		}
		if !errors.Is(err, identity.ErrStepUpRequired) {
			return fmt.Errorf("check step-up: %w", err)
		}
	}
	return ErrStepUpRequired
}
