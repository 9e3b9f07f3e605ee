package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/tasks/internal/db"
)

// Parties is who a task is between: its client and, once awarded, its
// provider. Other services (boards, repositories, deliveries, reviews,
// streams) use it to decide who may see and change what belongs to a task.
type Parties struct {
	TaskID uuid.UUID
	// Ref is the readable reference, "T-000123".
	Ref      string
	ClientID uuid.UUID
	// ProviderID is uuid.Nil until the task is awarded.
	ProviderID uuid.UUID
	Status     string
}

// IsParty reports whether user is the task's client or its provider.
func (p Parties) IsParty(user uuid.UUID) bool {
	return user != uuid.Nil && (user == p.ClientID || user == p.ProviderID)
}

// Parties returns who the task named by idOrRefText (an id or "T-000123")
// is between. It returns ErrNotFound for no such task and a
// *badrequest.Error for a malformed name. It reads the primary, so a
// change just made is seen.
func (s *Service) Parties(ctx context.Context, idOrRefText string) (Parties, error) {
	id, refNo, err := idOrRef(idOrRefText)
	if err != nil {
		return Parties{}, err
	}
	row, err := db.New(s.db.Primary).GetTaskParties(ctx, db.GetTaskPartiesParams{ID: id, RefNo: refNo})
	if errors.Is(err, pgx.ErrNoRows) {
		return Parties{}, ErrNotFound
	}
	if err != nil {
		return Parties{}, fmt.Errorf("read task parties: %w", err)
	}
	p := Parties{TaskID: row.ID, Ref: formatRef(row.RefNo), ClientID: row.ClientID, Status: row.Status}
	if row.ProviderID != nil {
		p.ProviderID = *row.ProviderID
	}
	return p, nil
}

// Accepted reports whether the task's work was accepted: it is accepted,
// or closed after acceptance (reviews open then).
func (p Parties) Accepted() bool {
	return p.Status == statusAccepted || (p.Status == statusClosed && p.ProviderID != uuid.Nil)
}
