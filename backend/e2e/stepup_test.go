package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestStepUpInBrowser walks security settings in headless Chromium with a
// virtual WebAuthn authenticator (the DevTools WebAuthn domain) standing in
// for the device's biometrics (ID-4): add a first phone number with its SMS
// code, enrol a passkey, change the password behind a step-up (SMS code +
// passkey), enrol an authenticator app (TOTP) behind a step-up, store an ID
// number and see it masked, then in full after a step-up (SEC-2), and log
// in with the new password. The step-up dialog is a real modal: see
// modalDialogIsModal.
func TestStepUpInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()
	en := ui.English

	suffix := randomHex(t)
	email, password, name := "stepup-"+suffix+"@example.com", "a long enough password", "Step-up "+suffix
	digits := strings.Map(func(r rune) rune { return '0' + r%10 }, suffix)
	phone := "137" + (digits + "00000000")[:8]
	e164 := "+86" + phone
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	if _, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: email, Password: password, DisplayName: name, ConsentVersion: "2026-11",
	})); err != nil {
		t.Fatalf("SignUp: %v", err)
	}

	step(t, browser, "log in",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", email), fill("#password", password),
		click("#login-submit"),
		waitPath("/tasks"), waitTextIs("#current-user", name),
	)
	if _, err := chromedp.Call(browser, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	if _, err := chromedp.Call(browser, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true,
			HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	}); err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}

	step(t, browser, "add a first phone number",
		click("#nav-security"), waitPath("/account/security"),
		chromedp.WaitVisible(chromedp.CSS("#new-phone")),
		fill("#new-phone", phone), click("#send-phone-code"),
		waitFor(textIs("#factors-notice", en.T("phone.code_sent"))),
	)
	phoneCode := codeFromLog(ctx, t, e164)
	step(t, browser, "confirm the phone number",
		fill("#new-phone-code", phoneCode), click("#change-phone"),
		waitFor(textIs("#factors-notice", en.T("stepup.phone.changed"))),
		waitUntil(`document.querySelector("#current-phone").textContent.includes("****")`),
	)

	step(t, browser, "enrol a passkey",
		fill("#passkey-name", "Virtual key"), click("#passkey-add"),
		waitCount("#passkey-list .passkey-item", 1),
	)

	// The dialog is modal (ARCH-1 accessibility): opened from the
	// keyboard, focus starts in its first field, the page behind is inert,
	// Tab stays inside, and Escape cancels it, giving focus back to the
	// button, with the password typed behind it kept.
	step(t, browser, "ask to change the password from the keyboard",
		append([]chromedp.Action[chromedp.Void]{fill("#new-password", "an even longer password")},
			pressOn("#change-password", kb.Enter)...)...)
	step(t, browser, "the step-up dialog is modal",
		append([]chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS("#stepup-dialog"))},
			modalDialogIsModal("#stepup-dialog", "#stepup-sms-code", "#new-password")...)...)
	cancelled := codeFromLog(ctx, t, e164, phoneCode)
	step(t, browser, "Escape closes it and focus is back on the button",
		append(escapeCloses("#stepup-dialog", "#change-password"),
			waitUntil(`document.querySelector("#new-password").value === "an even longer password"`),
			// The page takes focus again.
			waitUntil(`(() => { const el = document.querySelector("#new-password"); el.focus(); return document.activeElement === el; })()`))...)
	step(t, browser, "ask again",
		append(pressOn("#change-password", kb.Enter),
			chromedp.WaitVisible(chromedp.CSS("#stepup-dialog")),
			waitUntil(`document.activeElement === document.querySelector("#stepup-sms-code")`))...)
	code := codeFromLog(ctx, t, e164, phoneCode, cancelled)
	step(t, browser, "step up with the SMS code and the passkey",
		fill("#stepup-sms-code", code), click("#stepup-passkey"),
		waitTextIs("#factors-notice", en.T("stepup.password.changed")),
	)

	var secret string
	step(t, browser, "start the authenticator app setup",
		click("#totp-setup"), waitText("#totp-secret"),
		waitUntil(`document.querySelector("#totp-qr").naturalWidth > 0`),
	)
	secret = textOf(t, browser, "#totp-secret")
	totpCode, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("TOTP code for %q: %v", secret, err)
	}
	step(t, browser, "confirm it: a factor exists, so a step-up comes first",
		fill("#totp-code", totpCode), click("#totp-confirm"),
		chromedp.WaitVisible(chromedp.CSS("#stepup-dialog")),
	)
	code2 := codeFromLog(ctx, t, e164, phoneCode, cancelled, code)
	step(t, browser, "step up and enrol",
		fill("#stepup-sms-code", code2), click("#stepup-passkey"),
		waitTextIs("#totp-status", en.T("stepup.factors.totp_on")),
	)

	step(t, browser, "store an ID number: shown masked",
		fill("#input-id_number", "11010519491231002x"), click("#save-id_number"),
		waitTextIs("#sensitive-id_number", "110***********002X"),
		click("#show-id_number"),
		chromedp.WaitVisible(chromedp.CSS("#stepup-dialog")),
	)
	code3 := codeFromLog(ctx, t, e164, phoneCode, cancelled, code, code2)
	step(t, browser, "step up to see it in full",
		fill("#stepup-sms-code", code3), click("#stepup-passkey"),
		waitTextIs("#sensitive-id_number", "11010519491231002X"),
	)

	step(t, browser, "log in with the new password",
		click("#logout"), chromedp.WaitVisible(chromedp.CSS("#nav-login")),
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", email), fill("#password", "an even longer password"),
		click("#login-submit"),
		waitPath("/tasks"), waitTextIs("#current-user", name),
	)
}
