package e2e

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
)

// TestSecurityPageInBrowser lists a person's sessions in the browser, logs
// out another device's, then logs out everywhere (ID-1).
func TestSecurityPageInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()

	suffix := randomHex(t)
	email, password, name := "security-"+suffix+"@example.com", "a long enough password", "Security "+suffix
	// The "other device": a session started over the API with a bearer token.
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	other, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: email, Password: password, DisplayName: name, ConsentVersion: "2026-11", WantBearerToken: true,
	}))
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	otherAlive := func() bool {
		req := connect.NewRequest(&identityv1.GetMeRequest{})
		req.Header().Set("Authorization", "Bearer "+other.Msg.GetBearerToken())
		_, err := identity.GetMe(ctx, req)
		return err == nil
	}

	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(browser, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
		if err != nil {
			t.Fatalf("count %s: %v", sel, err)
		}
		return n
	}

	step(t, browser, "log in",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", email), fill("#password", password),
		click("#login-submit"),
		waitPath("/tasks"), waitTextIs("#current-user", name),
	)
	step(t, browser, "open the security page",
		click("#nav-security"),
		waitPath("/account/security"),
		waitUntil(`document.querySelectorAll("#session-list .session-item").length === 2`),
	)
	if n := count("#session-list .session-current"); n != 1 {
		t.Fatalf("%d sessions marked current, want 1 (screenshot: %s)", n, screenshot(browser, t))
	}
	step(t, browser, "log out the other device",
		click("#session-list .end-session"),
		waitCount("#session-list .session-item", 1),
	)
	if otherAlive() {
		t.Fatal("the other device's session still works after it was logged out")
	}
	step(t, browser, "log out everywhere",
		click("#logout-everywhere"),
		waitPath("/login"),
		chromedp.WaitVisible(chromedp.CSS("#nav-login")),
	)
	step(t, browser, "the session is gone after a reload",
		chromedp.Navigate(platform.url+"/tasks"), appReady(),
		chromedp.WaitVisible(chromedp.CSS("#nav-login")),
	)
}
