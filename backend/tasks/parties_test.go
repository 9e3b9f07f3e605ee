package tasks

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
)

func TestParties(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, clientID := b.newUser(t, "Parties Client", auth.RoleClient)
	_, providerID := b.newUser(t, "Parties Provider", auth.RoleProvider)
	task := b.create(t, ctx, validTask())

	for _, name := range []string{task.GetRef(), task.GetId()} {
		p, err := b.svc.Parties(t.Context(), name)
		if err != nil {
			t.Fatalf("Parties(%s): %v", name, err)
		}
		if p.Ref != task.GetRef() || p.TaskID.String() != task.GetId() || p.ClientID.String() != clientID || p.ProviderID != uuid.Nil || p.Status != statusOpen {
			t.Fatalf("Parties(%s) = %+v", name, p)
		}
		if !p.IsParty(uuid.MustParse(clientID)) || p.IsParty(uuid.MustParse(providerID)) || p.IsParty(uuid.Nil) {
			t.Fatalf("IsParty before award wrong: %+v", p)
		}
	}

	if _, err := b.db.Primary.Exec(t.Context(), `UPDATE tasks SET provider_id = $1 WHERE id = $2`, providerID, task.GetId()); err != nil {
		t.Fatal(err)
	}
	p, err := b.svc.Parties(t.Context(), task.GetRef())
	if err != nil || p.ProviderID.String() != providerID || !p.IsParty(uuid.MustParse(providerID)) {
		t.Fatalf("after award: %+v, %v", p, err)
	}

	if _, err := b.svc.Parties(t.Context(), "T-999999"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown ref: %v, want ErrNotFound", err)
	}
	var be *badrequest.Error
	if _, err := b.svc.Parties(t.Context(), "task seven"); !errors.As(err, &be) {
		t.Fatalf("bad name: %v, want a *badrequest.Error", err)
	}
}
