package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/identity/internal/db"
	"github.com/talent-hub/talent/backend/moderation"
)

// Display names are user-written text like any other (SEC-5): each name
// set is checked against the keyword lists. A block word refuses it with
// CONTENT_BLOCKED on "display_name"; a review word saves it and puts it
// in the patrol queue (moderation.KindName), where an admin may take it
// down: TakeDownName replaces it with a neutral name.

// nameField is the request field that carries a display name.
const nameField = "display_name"

// nameLink is the app page of one's own account, where a notice about
// one's name points.
const nameLink = "/account/security"

// ErrNameNotFound means the user whose name is taken down does not exist
// (or was deleted).
var ErrNameNotFound = errors.New("no such user")

// checkName judges a display name someone typed: a block word returns the
// CONTENT_BLOCKED refusal; a review word returns a verdict to queue with
// queueName once the name is saved. Without a checker nothing is checked.
func (s *Service) checkName(ctx context.Context, name string) (moderation.Verdict, error) {
	return s.moderation.CheckText(ctx, nameField, name)
}

// queueName puts userID's name in the patrol queue inside tx when v found
// review words in it.
func queueName(ctx context.Context, tx pgx.Tx, userID uuid.UUID, v moderation.Verdict) error {
	return moderation.Queue(ctx, tx, moderation.Item{
		Kind: moderation.KindName, ID: userID.String(), Link: nameLink, AuthorID: userID,
	}, v)
}

// NeutralName is the display name that replaces one taken down:
// "user-" and the first 8 hex digits of the user's id.
func NeutralName(userID uuid.UUID) string { return "user-" + userID.String()[:8] }

// randomName is a neutral display name for an account not created yet.
func randomName() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "user-" + hex.EncodeToString(b)
}

// providerName picks the display name of an account created by signing
// in with a provider: the name there, else the login there, whichever the
// keyword lists do not block, else a neutral one. A blocked name must not
// make the sign-in fail. replaced reports that a candidate was refused
// (or could not be checked); v is the verdict to queue for the name used.
func (s *Service) providerName(ctx context.Context, provider string, acct externalAccount) (name string, v moderation.Verdict, replaced bool) {
	candidates := []string{providerDisplayName(provider, acct)}
	if login := clip(acct.login, maxDisplayNameLen); login != "" && login != candidates[0] {
		candidates = append(candidates, login)
	}
	for _, c := range candidates {
		v, err := s.moderation.CheckText(ctx, nameField, c)
		if err == nil {
			return c, v, replaced
		}
		replaced = true
		if !v.Blocked() {
			s.logger.WarnContext(ctx, "check a provider display name; using a neutral name", "provider", provider, "err", err)
			break
		}
	}
	return randomName(), moderation.Verdict{}, true
}

// TakeDownName is the patrol queue's Target for moderation.KindName (id
// is the user's id): the name is replaced with NeutralName and the
// admin's reason kept with it. The moderation service tells the user and
// audits the decision in tx.
func (s *Service) TakeDownName(ctx context.Context, tx pgx.Tx, id string, _ uuid.UUID, reason string) error {
	userID, err := uuid.Parse(id)
	if err != nil {
		return fmt.Errorf("take down name of %q: %w", id, ErrNameNotFound)
	}
	n, err := db.New(tx).TakeDownDisplayName(ctx, db.TakeDownDisplayNameParams{
		ID: userID, NeutralName: NeutralName(userID), Reason: &reason,
	})
	if err != nil {
		return fmt.Errorf("take down name of %s: %w", userID, err)
	}
	if n == 0 {
		return fmt.Errorf("take down name of %s: %w", userID, ErrNameNotFound)
	}
	return nil
}
