package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp/totp"

	auditv1 "github.com/talent-hub/talent/proto/talent/audit/v1"
	"github.com/talent-hub/talent/proto/talent/audit/v1/auditv1connect"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestRolesInBrowser: an admin finds a person on /admin/users and grants
// them the ops role after confirming and stepping up with the SMS code and
// an authenticator app (ID-3, ID-4); the grant is in the audit log (SEC-3)
// and the person holds the role on their next request.
func TestRolesInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()
	en := ui.English
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)

	// The admin has a phone and an authenticator app, set up through the
	// API: the security pages have their own test.
	adminEmail, adminToken := signUpAs(ctx, t, "roleadmin", true)
	digits := strings.Map(func(r rune) rune { return '0' + r%10 }, randomHex(t))
	e164 := "+86136" + (digits + "00000000")[:8]
	conn, err := pgx.Connect(ctx, platform.stack.Postgres.URL)
	if err != nil {
		t.Fatalf("connect to postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE users SET phone = $2 WHERE email = $1`, adminEmail, e164); err != nil {
		t.Fatalf("give the admin a phone: %v", err)
	}
	enrol, err := identity.BeginTotpEnrollment(ctx, withToken(&identityv1.BeginTotpEnrollmentRequest{}, adminToken))
	if err != nil {
		t.Fatalf("BeginTotpEnrollment: %v", err)
	}
	secret := enrol.Msg.GetSecret()
	// A code of the previous time step: the step-up's code is then always
	// a later, unused one.
	code, err := totp.GenerateCode(secret, time.Now().Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.ConfirmTotpEnrollment(ctx, withToken(&identityv1.ConfirmTotpEnrollmentRequest{Code: code}, adminToken)); err != nil {
		t.Fatalf("ConfirmTotpEnrollment: %v", err)
	}

	_, personToken := signUpAs(ctx, t, "roleperson", false)
	me, err := identity.GetMe(ctx, withToken(&identityv1.GetMeRequest{}, personToken))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	person := me.Msg.GetUser()

	step(t, browser, "log in as the admin",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", adminEmail), fill("#password", e2ePassword),
		click("#login-submit"), waitPath("/tasks"),
	)
	row := `#user-list .user-item[data-id="` + person.GetId() + `"]`
	step(t, browser, "find the person",
		click("#nav-admin-users"), waitPath("/admin/users"),
		fill("#users-query", person.GetEmail()), click("#users-search"),
		waitCount("#user-list .user-item", 1),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	// The confirmation is a modal dialog: see modalDialogIsModal.
	grant := "#grant-ops-" + person.GetId()
	step(t, browser, "grant ops from the keyboard: a modal confirmation",
		append(append(pressOn(grant, kb.Enter), waitText("#role-confirm-text")),
			modalDialogIsModal("#role-confirm", "#role-confirm-yes", "#users-query")...)...)
	step(t, browser, "Escape cancels it, focus back on the button",
		append(escapeCloses("#role-confirm", grant), waitText("#user-list .user-item"))...)
	step(t, browser, "grant ops: asked to confirm",
		click(grant),
		waitText("#role-confirm-text"),
	)
	step(t, browser, "confirm: the step-up dialog opens",
		click("#role-confirm-yes"),
		waitUntil(`(document.querySelector("#stepup-dialog") || document.querySelector("#users-error").textContent.trim() !== "")`),
	)
	if msg := textOf(t, browser, "#users-error"); msg != "" {
		t.Fatalf("granting ops failed: %s", msg)
	}
	sms := codeFromLog(ctx, t, e164)
	now, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	step(t, browser, "step up with the SMS code and the authenticator code",
		fill("#stepup-sms-code", sms), fill("#stepup-totp-code", now), click("#stepup-verify"),
		waitTextIs("#users-notice", en.T("users.granted")),
		chromedp.WaitVisible(chromedp.CSS(row+` .user-roles .chip[data-role="ops"]`)),
	)

	// The person holds ops on their next request.
	me, err = identity.GetMe(ctx, withToken(&identityv1.GetMeRequest{}, personToken))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if roles := me.Msg.GetUser().GetRoles(); len(roles) != 2 || roles[1] != identityv1.Role_ROLE_OPS {
		t.Errorf("person's roles = %v, want client and ops", roles)
	}
	// The grant is in the audit log, naming the admin, the person and the
	// role.
	auditClient := auditv1connect.NewAuditServiceClient(platform.client, platform.url)
	entries, err := auditClient.ListAuditEntries(ctx, withToken(&auditv1.ListAuditEntriesRequest{ActionPrefix: "role."}, adminToken))
	if err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	found := false
	for _, e := range entries.Msg.GetEntries() {
		var d struct {
			Role   string `json:"role"`
			StepUp bool   `json:"step_up"`
		}
		_ = json.Unmarshal([]byte(e.GetDetailJson()), &d)
		if e.GetAction() == "role.grant" && e.GetTarget() == "user:"+person.GetId() && d.Role == "ops" && d.StepUp {
			found = true
		}
	}
	if !found {
		t.Errorf("no role.grant entry for the person's ops role in %v", entries.Msg.GetEntries())
	}
}

// TestDeleteAccountStepUpInBrowser: a person with a phone and an
// authenticator app deletes their account on Account › Privacy after a
// step-up (ID-4, SEC-4), and is signed out.
func TestDeleteAccountStepUpInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)

	email, token := signUpAs(ctx, t, "leaver", false)
	digits := strings.Map(func(r rune) rune { return '0' + r%10 }, randomHex(t))
	e164 := "+86135" + (digits + "00000000")[:8]
	conn, err := pgx.Connect(ctx, platform.stack.Postgres.URL)
	if err != nil {
		t.Fatalf("connect to postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE users SET phone = $2 WHERE email = $1`, email, e164); err != nil {
		t.Fatalf("give the person a phone: %v", err)
	}
	enrol, err := identity.BeginTotpEnrollment(ctx, withToken(&identityv1.BeginTotpEnrollmentRequest{}, token))
	if err != nil {
		t.Fatalf("BeginTotpEnrollment: %v", err)
	}
	secret := enrol.Msg.GetSecret()
	code, err := totp.GenerateCode(secret, time.Now().Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.ConfirmTotpEnrollment(ctx, withToken(&identityv1.ConfirmTotpEnrollmentRequest{Code: code}, token)); err != nil {
		t.Fatalf("ConfirmTotpEnrollment: %v", err)
	}

	step(t, browser, "log in",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", email), fill("#password", e2ePassword),
		click("#login-submit"), waitPath("/tasks"),
	)
	step(t, browser, "ask to delete the account: the step-up dialog opens",
		chromedp.Navigate(platform.url+"/account/privacy"), appReady(),
		// The delete button waits until the page knows whether a step-up
		// is needed; click() waits for it to be enabled.
		waitText("#privacy-consent"),
		click("#delete-confirm"), click("#delete-account"),
		waitUntil(`(document.querySelector("#stepup-dialog") || document.querySelector("#form-error").textContent.trim() !== "")`),
	)
	if msg := textOf(t, browser, "#form-error"); msg != "" {
		t.Fatalf("deleting failed: %s", msg)
	}
	sms := codeFromLog(ctx, t, e164)
	now, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	step(t, browser, "step up: the account is deleted and the person signed out",
		fill("#stepup-sms-code", sms), fill("#stepup-totp-code", now), click("#stepup-verify"),
		waitPath("/"), chromedp.WaitVisible(chromedp.CSS("#nav-login")),
	)
	var deleted bool
	if err := conn.QueryRow(ctx, `SELECT delete_time IS NOT NULL FROM users WHERE phone IS NULL AND id = (
		SELECT (regexp_match(target, 'user:(.*)'))[1]::uuid FROM audit_log WHERE action = 'identity.account_delete' ORDER BY id DESC LIMIT 1)`).Scan(&deleted); err != nil || !deleted {
		t.Errorf("account not deleted: %v %v", deleted, err)
	}
	if _, err := identity.GetMe(ctx, withToken(&identityv1.GetMeRequest{}, token)); err == nil {
		t.Error("the deleted account's other session still works")
	}
}
