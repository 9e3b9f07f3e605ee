package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/talent-hub/talent/webapp/ui"
)

// TestBannedWordRefusedInBrowser signs up in Chinese with a banned word in
// the display name: the edge refuses the request (SEC-5) and the form's
// #form-error names the word in Chinese, from the reason CONTENT_BLOCKED.
func TestBannedWordRefusedInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "zh-CN")
	defer closeBrowser()
	if err := chromedp.Do(browser,
		chromedp.Navigate(platform.url+"/signup"), appReady(),
		fill("#display-name", "网上赌 博代理"), fill("#email", "kw-"+randomHex(t)+"@example.com"),
		fill("#password", "a long enough password"),
		click("#consent"),
		click("#signup-submit"),
		waitText("#form-error"),
	); err != nil {
		t.Fatalf("sign up with a banned word: %v (screenshot: %s)", err, screenshot(browser, t))
	}
	got, err := chromedp.Run(browser, chromedp.Text(chromedp.CSS("#form-error")))
	if err != nil {
		t.Fatal(err)
	}
	zh := ui.Chinese
	if want := zh.T("CONTENT_BLOCKED") + zh.T("content.words") + "赌博"; strings.TrimSpace(got) != want {
		t.Fatalf("#form-error says %q, want %q", got, want)
	}
}
