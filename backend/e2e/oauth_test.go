package e2e

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/talent-hub/talent/backend/identity/oauthtest"
)

// TestGitHubSignInInBrowser signs up with GitHub (a local stand-in speaking
// GitHub's OAuth and API) through the edge in Chromium, finds the login
// method and privacy settings under Account, and deletes the account
// (ID-1, SEC-4).
func TestGitHubSignInInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()

	suffix := randomHex(t)
	name := "GitHub " + suffix
	platform.github.SignInAs(oauthtest.GitHubUser{
		ID: rand.Int64N(1 << 40), Login: "gh-" + suffix, Name: name, Email: "gh-" + suffix + "@example.com", Verified: true,
	})

	step(t, browser, "the login page offers GitHub",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		waitTextIs("#oauth-github", "Sign in with GitHub"),
	)
	step(t, browser, "sign in with GitHub", click("#oauth-github"))
	afterRedirects(t, browser, "the stand-in's redirects end on the home page", waitPath("/"), appReady(),
		waitTextIs("#current-user", name))
	step(t, browser, "GitHub is the account's only login method",
		chromedp.Navigate(platform.url+"/account/logins"), appReady(),
		waitTextIs(`#login-methods li[data-kind="github"] .login-label`, "gh-"+suffix),
	)
	if n, err := chromedp.Run(browser, chromedp.Evaluate[int](`document.querySelectorAll("#unlink-github").length`)); err != nil || n != 0 {
		t.Errorf("the only login method can be unlinked (%d, %v)", n, err)
	}
	step(t, browser, "hide reviews in privacy mode",
		chromedp.Navigate(platform.url+"/account/privacy"), appReady(),
		waitUntil(`!document.querySelector("#privacy-save").disabled`),
		click("#hide-reviews"), click("#privacy-save"),
		waitTextIs("#privacy-notice", "Saved."),
	)
	step(t, browser, "the setting is kept",
		chromedp.Navigate(platform.url+"/account/privacy"), appReady(),
		waitUntil(`document.querySelector("#hide-reviews").checked`),
	)
	step(t, browser, "delete the account (signed in moments ago, no password)",
		click("#delete-confirm"), click("#delete-account"),
		waitPath("/"),
		chromedp.WaitVisible(chromedp.CSS("#nav-login")),
	)
	step(t, browser, "GitHub sign-in after deletion makes a new account",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		click("#oauth-github"),
	)
	afterRedirects(t, browser, "signed in to a new account", waitPath("/"), appReady(),
		waitTextIs("#current-user", name))
}

// afterRedirects runs a step that follows a navigation through other
// origins (the identity provider and back): while the browser swaps pages,
// scripts fail with "Inspected target navigated or closed"; those attempts
// are repeated.
func afterRedirects(t *testing.T, browser context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for range 50 {
		err := chromedp.Do(browser, actions...)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "-32000") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	step(t, browser, what, actions...)
}
