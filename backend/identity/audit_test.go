package identity

import (
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/oauthtest"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// auditActions returns the actions recorded with actor as actor, oldest
// first, and fails the test if any entry's detail mentions secret.
func auditActions(t *testing.T, b bundle, actor string, secret string) []string {
	t.Helper()
	rows, err := b.db.Primary.Query(t.Context(), `SELECT action, detail::text FROM audit_log WHERE actor_id = $1 ORDER BY id`, actor)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action, detail string
		if err := rows.Scan(&action, &detail); err != nil {
			t.Fatal(err)
		}
		if secret != "" && strings.Contains(detail, secret) {
			t.Errorf("%s entry holds the secret: %s", action, detail)
		}
		out = append(out, action)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAuditTrail: sign-ins (also failed ones), logouts, ended sessions,
// linking and unlinking, privacy changes, exports and deletion are in the
// hash-chained audit log, without passwords (SEC-3).
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	b := setupOAuth(t, nil)
	const password = "correct horse battery"
	ctx, h := signedIn(t, b.svc, "audited@example.com")
	p, _ := auth.FromContext(ctx)

	// A failed and a good password login.
	_, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: "audited@example.com", Password: "not the password!"}))
	if connectCode(t, err) != connect.CodeUnauthenticated {
		t.Fatalf("wrong password: %v", err)
	}
	login, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: "audited@example.com", Password: password}))
	if err != nil {
		t.Fatal(err)
	}
	// Link GitHub, unlink it.
	br := newBrowser()
	br.cookies[auth.CookieName] = strings.TrimPrefix(h.Get("Cookie"), auth.CookieName+"=")
	b.gh.SignInAs(oauthtest.GitHubUser{ID: 601, Login: "audited"})
	if got := b.signIn(t, br, "github", "?mode=link"); oauthError(got) != "" {
		t.Fatalf("link: %s", got)
	}
	if _, err := b.svc.UnlinkLoginMethod(ctx, connect.NewRequest(&identityv1.UnlinkLoginMethodRequest{Kind: identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB})); err != nil {
		t.Fatal(err)
	}
	// End the second session, log out, export, change privacy, delete.
	sessions, err := b.svc.ListSessions(ctx, withHeader(&identityv1.ListSessionsRequest{}, h))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions.Msg.GetSessions() {
		if !s.GetCurrent() {
			if _, err := b.svc.EndSession(ctx, connect.NewRequest(&identityv1.EndSessionRequest{SessionId: s.GetId()})); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := b.svc.UpdatePrivacySettings(ctx, connect.NewRequest(&identityv1.UpdatePrivacySettingsRequest{Settings: &identityv1.PrivacySettings{HideReviews: true}})); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.ExportMyData(ctx, connect.NewRequest(&identityv1.ExportMyDataRequest{})); err != nil {
		t.Fatal(err)
	}
	lh := withHeader(&identityv1.LogOutRequest{}, nil)
	lh.Header().Set("Authorization", "Bearer "+sessionCookie(login.Header()).Value)
	if _, err := b.svc.LogOut(ctx, lh); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.DeleteAccount(ctx, withHeader(&identityv1.DeleteAccountRequest{Password: password}, h)); err != nil {
		t.Fatal(err)
	}

	got := strings.Join(auditActions(t, b.bundle, p.UserID, password), " ")
	want := strings.Join([]string{auditLogin, auditLogin, auditLink, auditUnlink, auditSessionEnd, auditPrivacy, auditExport, auditLogout, auditDelete}, " ")
	if got != want {
		t.Errorf("audit trail\n got %s\nwant %s", got, want)
	}
	var failed int
	err = b.db.Primary.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = $1 AND detail->>'login' = 'audited@example.com' AND actor_id IS NULL`, auditLoginFailed).Scan(&failed)
	if err != nil || failed != 1 {
		t.Errorf("failed logins recorded: %d (%v), want 1", failed, err)
	}
	if res, err := audit.Verify(t.Context(), b.db.Primary); err != nil || !res.Intact() {
		t.Errorf("chain: %+v, %v", res, err)
	}
}
