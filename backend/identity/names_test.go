package identity

import (
	"io"
	"log/slog"
	"regexp"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/oauthtest"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/postgres"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// Seeded keywords (migration 00030): 赌博 blocks, 刷单 asks for review.
const (
	blockedName = "赌博 King"
	reviewName  = "刷单 Pro"
)

// moderate turns on the keyword checks for svc.
func moderate(svc *Service, db *postgres.DB) {
	svc.moderation = moderation.NewChecker(db, slog.New(slog.NewTextHandler(io.Discard, nil)), moderation.CheckerOptions{})
}

func countNameItems(t *testing.T, db *postgres.DB, userID string) int {
	t.Helper()
	var n int
	if err := db.Primary.QueryRow(t.Context(), `SELECT count(*) FROM moderation_patrol_items
		WHERE kind = 'name' AND item_id = $1 AND field = 'display_name' AND author_id = $1::uuid`, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSignUpNameChecked: a display name is checked against the keyword
// lists at every sign-up (SEC-5): a block word refuses it with
// CONTENT_BLOCKED on display_name and creates nothing; a review word
// creates the account and queues the name for patrol.
func TestSignUpNameChecked(t *testing.T) {
	t.Parallel()
	t.Run("email", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		moderate(b.svc, b.db)
		m := validSignUp("blocked@example.com")
		m.DisplayName = blockedName
		_, err := b.svc.SignUp(t.Context(), connect.NewRequest(m))
		if connectCode(t, err) != connect.CodeInvalidArgument || fieldReasons(t, err)["display_name"] != moderation.ReasonContentBlocked {
			t.Fatalf("SignUp with a blocked name = %v, want CONTENT_BLOCKED on display_name", err)
		}
		if n := countUsers(t, b.db); n != 0 {
			t.Fatalf("users after a refused sign-up: %d", n)
		}
		m.DisplayName = reviewName
		u := signUp(t, b.svc, m).Msg.GetUser()
		if u.GetDisplayName() != reviewName {
			t.Fatalf("display name %q, want %q", u.GetDisplayName(), reviewName)
		}
		if n := countNameItems(t, b.db, u.GetId()); n != 1 {
			t.Fatalf("patrol items for the name: %d, want 1", n)
		}
	})
	t.Run("phone", func(t *testing.T) {
		t.Parallel()
		b := setupPhone(t)
		moderate(b.svc, b.db)
		const phone = "+8613800000077"
		code := b.sendCode(t, phone)
		m := signUpPhone(phone, code)
		m.DisplayName = blockedName
		_, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(m))
		if connectCode(t, err) != connect.CodeInvalidArgument || fieldReasons(t, err)["display_name"] != moderation.ReasonContentBlocked {
			t.Fatalf("SignUpWithPhone with a blocked name = %v, want CONTENT_BLOCKED on display_name", err)
		}
		// The code is still good: only the name needs changing.
		m.DisplayName = reviewName
		su, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(m))
		if err != nil {
			t.Fatalf("SignUpWithPhone with the same code and a review name: %v", err)
		}
		if n := countNameItems(t, b.db, su.Msg.GetUser().GetId()); n != 1 {
			t.Fatalf("patrol items for the name: %d, want 1", n)
		}
	})
}

// TestOAuthNameChecked: the name a provider sends is checked too, but a
// blocked one never makes the sign-in fail: the login there is used
// instead, else a neutral name, and the sign-in's audit entry says so.
func TestOAuthNameChecked(t *testing.T) {
	t.Parallel()
	b := setupOAuth(t, nil)
	moderate(b.svc, b.db)
	tests := []struct {
		name     string
		user     oauthtest.GitHubUser
		want     *regexp.Regexp
		replaced bool
		queued   int
	}{
		{"clean", oauthtest.GitHubUser{ID: 501, Login: "clean", Name: "Clean Name"}, regexp.MustCompile(`^Clean Name$`), false, 0},
		{"blocked name, clean login", oauthtest.GitHubUser{ID: 502, Login: "kingpin", Name: blockedName}, regexp.MustCompile(`^kingpin$`), true, 0},
		{"blocked name and login", oauthtest.GitHubUser{ID: 503, Login: "赌博123", Name: blockedName}, regexp.MustCompile(`^user-[0-9a-f]{8}$`), true, 0},
		{"blocked login only", oauthtest.GitHubUser{ID: 504, Login: "赌博x"}, regexp.MustCompile(`^user-[0-9a-f]{8}$`), true, 0},
		{"review name", oauthtest.GitHubUser{ID: 505, Login: "reviewed", Name: reviewName}, regexp.MustCompile(`^` + reviewName + `$`), false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the stand-in signs in one person at a time.
			b.gh.SignInAs(tt.user)
			br := newBrowser()
			if got := b.signIn(t, br, "github", "?consent=2026-11"); got.Path != "/" || oauthError(got) != "" {
				t.Fatalf("sign-in ended at %s, want /", got)
			}
			p, ok := b.principal(t, br)
			if !ok {
				t.Fatal("no session after sign-in")
			}
			me, err := b.svc.GetMe(auth.WithPrincipal(t.Context(), p), connect.NewRequest(&identityv1.GetMeRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			if name := me.Msg.GetUser().GetDisplayName(); !tt.want.MatchString(name) {
				t.Fatalf("display name %q, want %s", name, tt.want)
			}
			var replaced bool
			if err := b.db.Primary.QueryRow(t.Context(), `SELECT coalesce((detail->>'name_replaced')::bool, false) FROM audit_log
				WHERE actor_id = $1 AND detail->>'method' = 'github'`, p.UserID).Scan(&replaced); err != nil {
				t.Fatal(err)
			}
			if replaced != tt.replaced {
				t.Errorf("audit name_replaced = %v, want %v", replaced, tt.replaced)
			}
			if n := countNameItems(t, b.db, p.UserID); n != tt.queued {
				t.Errorf("patrol items for the name: %d, want %d", n, tt.queued)
			}
		})
	}
}

func TestNeutralName(t *testing.T) {
	t.Parallel()
	for range 3 {
		if n := randomName(); !regexp.MustCompile(`^user-[0-9a-f]{8}$`).MatchString(n) {
			t.Fatalf("randomName() = %q", n)
		}
	}
}
