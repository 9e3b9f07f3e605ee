package identity

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/oauthtest"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// signedIn signs up email and returns a context as that user and a
// request header carrying the session cookie.
func signedIn(t *testing.T, svc *Service, email string) (context.Context, http.Header) {
	t.Helper()
	resp := signUp(t, svc, validSignUp(email))
	token := sessionCookie(resp.Header()).Value
	p, err := svc.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Cookie", auth.CookieName+"="+token)
	return auth.WithPrincipal(t.Context(), p), h
}

func withHeader[T any](m *T, h http.Header) *connect.Request[T] {
	req := connect.NewRequest(m)
	for k, v := range h {
		req.Header()[k] = v
	}
	return req
}

// TestConsent: an account that accepted an older privacy notice is asked
// to accept the one in force, and only that one can be accepted (SEC-4).
func TestConsent(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{ConsentVersion: "2027-01"})
	ctx, _ := signedIn(t, b.svc, "consent@example.com") // accepted 2025-01

	get := func() *identityv1.GetPrivacySettingsResponse {
		t.Helper()
		r, err := b.svc.GetPrivacySettings(ctx, connect.NewRequest(&identityv1.GetPrivacySettingsRequest{}))
		if err != nil {
			t.Fatal(err)
		}
		return r.Msg
	}
	if g := get(); !g.GetConsentRequired() || g.GetConsentVersion() != "2025-01" || g.GetCurrentConsentVersion() != "2027-01" {
		t.Fatalf("before: %v", g)
	}
	for _, tt := range []struct{ version, reason string }{{"", "REQUIRED"}, {"2025-01", "CONSENT_OUTDATED"}} {
		_, err := b.svc.AcceptConsent(ctx, connect.NewRequest(&identityv1.AcceptConsentRequest{ConsentVersion: tt.version}))
		if got := fieldReasons(t, err)["consent_version"]; got != tt.reason {
			t.Errorf("accept %q: %v, want %s", tt.version, err, tt.reason)
		}
	}
	if _, err := b.svc.AcceptConsent(ctx, connect.NewRequest(&identityv1.AcceptConsentRequest{ConsentVersion: "2027-01"})); err != nil {
		t.Fatal(err)
	}
	if g := get(); g.GetConsentRequired() || g.GetConsentVersion() != "2027-01" {
		t.Errorf("after: %v", g)
	}
	// Both acceptances are kept.
	var n int
	p, _ := auth.FromContext(ctx)
	if err := b.db.Primary.QueryRow(t.Context(), "SELECT count(*) FROM consents WHERE user_id = $1", p.UserID).Scan(&n); err != nil || n != 2 {
		t.Errorf("consent records: %d (%v), want 2", n, err)
	}
}

// TestPrivacySettings stores and reads the privacy mode that profiles and
// reviews honour.
func TestPrivacySettings(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	ctx, _ := signedIn(t, b.svc, "privacy@example.com")
	p, _ := auth.FromContext(ctx)
	uid := uuid.MustParse(p.UserID)

	mode, err := b.svc.PrivacyMode(t.Context(), uid)
	if err != nil || mode.HideReviews || len(mode.HiddenPortfolioItems) != 0 {
		t.Fatalf("default mode %+v, %v", mode, err)
	}
	tooMany := make([]string, maxHiddenItems+1)
	for i := range tooMany {
		tooMany[i] = uuid.NewString()
	}
	tests := []struct {
		name      string
		in        *identityv1.PrivacySettings
		wantField string
	}{
		{name: "hide reviews and two items, one twice", in: &identityv1.PrivacySettings{HideReviews: true, HiddenPortfolioItemIds: []string{"p-1", "p-2", "p-1"}}},
		{name: "empty id", in: &identityv1.PrivacySettings{HiddenPortfolioItemIds: []string{""}}, wantField: "ITEM_ID_INVALID"},
		{name: "too many", in: &identityv1.PrivacySettings{HiddenPortfolioItemIds: tooMany}, wantField: "TOO_MANY_ITEMS"},
	}
	for _, tt := range tests {
		_, err := b.svc.UpdatePrivacySettings(ctx, connect.NewRequest(&identityv1.UpdatePrivacySettingsRequest{Settings: tt.in}))
		if got := fieldReasons(t, err)["settings.hidden_portfolio_item_ids"]; got != tt.wantField {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.wantField)
		}
	}
	mode, err = b.svc.PrivacyMode(t.Context(), uid)
	if err != nil || !mode.HideReviews || mode.HideCity || len(mode.HiddenPortfolioItems) != 2 || !mode.HiddenPortfolioItems["p-2"] {
		t.Errorf("mode %+v, %v", mode, err)
	}
}

// areaExporter is another area's part of the export, as tasks or
// notifications would provide.
type areaExporter struct {
	name string
	err  error
	got  atomic.Value
}

func (e *areaExporter) ExportName() string { return e.name }

func (e *areaExporter) ExportUserData(_ context.Context, userID uuid.UUID) (any, error) {
	e.got.Store(userID)
	return []map[string]string{{"title": "Fix the printer"}}, e.err
}

// TestExportMyData: the export holds the account, sessions, login methods,
// consents and every registered area's data (SEC-4).
func TestExportMyData(t *testing.T) {
	t.Parallel()
	tasks := &areaExporter{name: "tasks"}
	b := setup(t, Options{Exporters: []Exporter{tasks}})
	ctx, _ := signedIn(t, b.svc, "export@example.com")
	p, _ := auth.FromContext(ctx)

	resp, err := b.svc.ExportMyData(ctx, connect.NewRequest(&identityv1.ExportMyDataRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Account struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"account"`
		Sessions     []map[string]any    `json:"sessions"`
		LoginMethods []map[string]any    `json:"login_methods"`
		Consents     []map[string]any    `json:"consents"`
		Privacy      map[string]any      `json:"privacy_settings"`
		Tasks        []map[string]string `json:"tasks"`
	}
	if err := json.Unmarshal(resp.Msg.GetJson(), &got); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, resp.Msg.GetJson())
	}
	if got.Account.ID != p.UserID || got.Account.Email != "export@example.com" || len(got.Sessions) != 1 ||
		len(got.LoginMethods) != 1 || len(got.Consents) != 1 || got.Privacy == nil || len(got.Tasks) != 1 {
		t.Errorf("export %s", resp.Msg.GetJson())
	}
	if id, _ := tasks.got.Load().(uuid.UUID); id.String() != p.UserID {
		t.Errorf("exporter asked for %v, want %s", id, p.UserID)
	}

	// A failing area fails the export rather than hand over part of it.
	failing := setup(t, Options{Exporters: []Exporter{&areaExporter{name: "tasks", err: errors.New("db down")}}})
	ctx2, _ := signedIn(t, failing.svc, "export2@example.com")
	if _, err := failing.svc.ExportMyData(ctx2, connect.NewRequest(&identityv1.ExportMyDataRequest{})); err == nil {
		t.Error("export with a failing area succeeded")
	}
}

// TestDeleteAccount erases a password account after the password is
// confirmed: contact details, name, sessions and login methods go, the row
// stays for the records that refer to it, and nobody can sign in to it.
func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	ctx, h := signedIn(t, b.svc, "delete@example.com")
	p, _ := auth.FromContext(ctx)
	uid := uuid.MustParse(p.UserID)
	if _, err := b.db.Primary.Exec(t.Context(), `INSERT INTO login_identities (provider, subject, user_id, login) VALUES ('github', '999', $1, 'del')`, uid); err != nil {
		t.Fatal(err)
	}

	_, err := b.svc.DeleteAccount(ctx, withHeader(&identityv1.DeleteAccountRequest{Password: "wrong password"}, h))
	if got := fieldReasons(t, err)["password"]; got != "PASSWORD_WRONG" {
		t.Fatalf("wrong password: %v", err)
	}
	resp, err := b.svc.DeleteAccount(ctx, withHeader(&identityv1.DeleteAccountRequest{Password: "correct horse battery"}, h))
	if err != nil {
		t.Fatal(err)
	}
	if c := sessionCookie(resp.Header()); c == nil || c.MaxAge >= 0 {
		t.Errorf("session cookie not cleared: %v", c)
	}
	var (
		email, phone *string
		name         string
		deleted      bool
		n            int
	)
	err = b.db.Primary.QueryRow(t.Context(), `
		SELECT email, phone, display_name, delete_time IS NOT NULL,
		       (SELECT count(*) FROM sessions WHERE user_id = u.id) + (SELECT count(*) FROM login_identities WHERE user_id = u.id)
		FROM users u WHERE id = $1`, uid).Scan(&email, &phone, &name, &deleted, &n)
	if err != nil {
		t.Fatal(err)
	}
	if email != nil || phone != nil || name != "Deleted user" || !deleted || n != 0 {
		t.Errorf("after deletion: email %v phone %v name %q deleted %v sessions+methods %d", email, phone, name, deleted, n)
	}
	if _, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: "delete@example.com", Password: "correct horse battery"})); connectCode(t, err) != connect.CodeUnauthenticated {
		t.Errorf("log in to deleted account: %v", err)
	}
	// The email is free again.
	signUp(t, b.svc, validSignUp("delete@example.com"))
}

// TestDeleteAccountWithoutPassword: an account made with a provider has no
// password; deleting it needs a sign-in within the last minutes.
func TestDeleteAccountWithoutPassword(t *testing.T) {
	t.Parallel()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	b := setupOAuth(t, func(*OAuthOptions) {})
	b.svc.now = func() time.Time { return time.Unix(0, clock.Load()) }
	b.gh.SignInAs(oauthtest.GitHubUser{ID: 501, Login: "leaver"})
	br := newBrowser()
	if got := b.signIn(t, br, "github", "?consent=2026-11"); got.Path != "/" {
		t.Fatalf("sign-in ended at %s", got)
	}
	p, _ := b.principal(t, br)
	ctx := auth.WithPrincipal(t.Context(), p)
	h := http.Header{}
	h.Set("Cookie", auth.CookieName+"="+br.cookies[auth.CookieName])

	clock.Add(int64(recentSignIn + time.Minute))
	_, err := b.svc.DeleteAccount(ctx, withHeader(&identityv1.DeleteAccountRequest{}, h))
	if connectCode(t, err) != connect.CodeFailedPrecondition || errorReason(err) != "REAUTHENTICATE" {
		t.Fatalf("stale session: %v, want FAILED_PRECONDITION REAUTHENTICATE", err)
	}
	// Sign in again with GitHub, then delete.
	br2 := newBrowser()
	if got := b.signIn(t, br2, "github", ""); got.Path != "/" {
		t.Fatalf("sign-in again ended at %s", got)
	}
	h.Set("Cookie", auth.CookieName+"="+br2.cookies[auth.CookieName])
	if _, err := b.svc.DeleteAccount(ctx, withHeader(&identityv1.DeleteAccountRequest{}, h)); err != nil {
		t.Fatalf("delete after fresh sign-in: %v", err)
	}
	// The GitHub account is free: signing in makes a new account.
	br3 := newBrowser()
	if got := b.signIn(t, br3, "github", "?consent=2026-11"); got.Path != "/" {
		t.Fatalf("sign-in after deletion ended at %s", got)
	}
	if p3, _ := b.principal(t, br3); p3.UserID == p.UserID {
		t.Error("signed in to the deleted account")
	}
}
