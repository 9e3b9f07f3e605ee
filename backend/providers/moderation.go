package providers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/providers/internal/db"
)

// savedTexts are a profile's texts before a save: the bio and the
// portfolio items by id.
type savedTexts struct {
	bio   string
	has   bool
	items map[uuid.UUID]db.PortfolioItem
}

func previousTexts(ctx context.Context, q *db.Queries, userID uuid.UUID) (savedTexts, error) {
	was := savedTexts{items: map[uuid.UUID]db.PortfolioItem{}}
	row, err := q.GetProfile(ctx, userID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return was, nil
	case err != nil:
		return was, fmt.Errorf("get profile: %w", err)
	}
	was.bio, was.has = row.ProviderProfile.Bio, true
	items, err := q.ListPortfolio(ctx, userID)
	if err != nil {
		return was, fmt.Errorf("list portfolio: %w", err)
	}
	for _, it := range items {
		was.items[it.ID] = it
	}
	return was, nil
}

// queued is a text of a profile the patrol queue gets: id is the item
// the profile Target takes down ("bio:<user id>", "portfolio:<item id>").
type queued struct {
	id      string
	verdict moderation.Verdict
}

// checkProfile judges the bio and the portfolio texts that changed since
// was (SEC-5): a block keyword in any refuses the save, with
// CONTENT_BLOCKED on each field ("bio", "portfolio[i].title", ...);
// texts with review keywords are returned for the patrol queue.
func (s *Service) checkProfile(ctx context.Context, in profileInput, was savedTexts) ([]queued, error) {
	if s.mod == nil {
		return nil, nil
	}
	var fields []moderation.Field
	owner := map[string]string{} // field → queued id
	if !was.has || in.bio != was.bio {
		fields = append(fields, moderation.Field{Name: "bio", Text: in.bio})
	}
	for i, it := range in.portfolio {
		prev, ok := was.items[it.id]
		if ok && prev.Title == it.title && prev.Description == it.description {
			continue
		}
		f := fmt.Sprintf("portfolio[%d]", i)
		fields = append(fields, moderation.Field{Name: f + ".title", Text: it.title},
			moderation.Field{Name: f + ".description", Text: it.description})
		owner[f+".title"], owner[f+".description"] = "portfolio:"+it.id.String(), "portfolio:"+it.id.String()
	}
	if len(fields) == 0 {
		return nil, nil
	}
	v, err := s.mod.Check(ctx, fields...)
	if err != nil {
		return nil, fmt.Errorf("check profile texts: %w", err)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out []queued
	byID := map[string]int{}
	for _, f := range v.Fields {
		if len(f.Review) == 0 {
			continue
		}
		id := owner[f.Field]
		if f.Field == "bio" {
			id = "bio:" + userOf(ctx)
		}
		i, ok := byID[id]
		if !ok {
			i = len(out)
			byID[id] = i
			out = append(out, queued{id: id})
		}
		out[i].verdict.Fields = append(out[i].verdict.Fields, f)
	}
	return out, nil
}

// userOf is the signed-in caller's id.
func userOf(ctx context.Context) string {
	p, _ := auth.FromContext(ctx)
	return p.UserID
}

// seesHidden reports whether the caller may see userID's texts taken
// down: userID themselves, or an admin.
func seesHidden(ctx context.Context, userID uuid.UUID) bool {
	p, ok := auth.FromContext(ctx)
	return ok && (p.UserID == userID.String() || p.HasRole(auth.RoleAdmin))
}

// Interface guard: the moderation service takes profile texts down
// through this.
var _ moderation.Target = (*Service)(nil)

// TakeDown hides a profile text (moderation.KindProfile; item is
// "bio:<user id>" or "portfolio:<item id>") from everyone but the
// provider and admins, inside the moderation service's transaction tx
// (SEC-5). It stays hidden until the provider changes that text.
func (s *Service) TakeDown(ctx context.Context, tx pgx.Tx, item string, _ uuid.UUID, reason string) error {
	kind, idText, _ := strings.Cut(item, ":")
	id, err := uuid.Parse(idText)
	if err != nil {
		return ErrNoProfile
	}
	q := db.New(tx)
	switch kind {
	case "bio":
		_, err = q.TakeDownBio(ctx, db.TakeDownBioParams{UserID: id, Reason: &reason})
	case "portfolio":
		_, err = q.TakeDownPortfolioItem(ctx, db.TakeDownPortfolioItemParams{ID: id, Reason: &reason})
	default:
		return ErrNoProfile
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNoProfile
	}
	if err != nil {
		return fmt.Errorf("take down %s: %w", kind, err)
	}
	return nil
}
