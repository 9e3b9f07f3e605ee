package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestMarketJourneyInBrowser walks a task through the market in two
// browsers (issue 4, TASK-2, TASK-3): a client posts it, a provider
// proposes, the client awards, the provider starts, reports progress,
// moves a board card, delivers with a file uploaded through the edge's
// /files/ route, the client accepts, and both review.
func TestMarketJourneyInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	en := ui.English
	suffix := randomHex(t)
	password := "a long enough password"
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	signUp := func(name string, role identityv1.Role) string {
		email := fmt.Sprintf("%s-%s@example.com", name, suffix)
		if _, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
			Email: email, Password: password, DisplayName: name + " " + suffix, ConsentVersion: "2026-11",
			Roles: []identityv1.Role{role},
		})); err != nil {
			t.Fatalf("SignUp %s: %v", name, err)
		}
		return email
	}
	clientEmail := signUp("client", identityv1.Role_ROLE_CLIENT)
	providerEmail := signUp("provider", identityv1.Role_ROLE_PROVIDER)
	approveProvider(ctx, t, providerEmail, password) // only a vetted provider takes work (ID-2)

	client, closeClient := newBrowser(ctx, t, "en-US")
	defer closeClient()
	provider, closeProvider := newBrowser(ctx, t, "en-US")
	defer closeProvider()
	for who, b := range map[string]context.Context{"client": client, "provider": provider} {
		logConsole(t, b, who)
	}
	logIn := func(b context.Context, who, email string) {
		step(t, b, who+" logs in",
			chromedp.Navigate(platform.url+"/login"), appReady(),
			fill("#email", email), fill("#password", password),
			click("#login-submit"), waitPath("/tasks"))
	}
	logIn(client, "the client", clientEmail)
	logIn(provider, "the provider", providerEmail)

	// The client posts a task.
	title := "Market journey " + suffix
	due := time.Now().In(shanghai(t)).AddDate(0, 0, 14).Format(time.DateOnly)
	step(t, client, "post the task",
		chromedp.Navigate(platform.url+"/tasks/new"), appReady(),
		fill("#title", title), fill("#task-type", "TASK_TYPE_BACK_END"),
		fill("#description", "An API for bookings."),
		fill("#budget-min", "3000"), fill("#budget-max", "5000"),
		fill("#delivery-date", due), fill("#skill-tags", "go"),
		click("#task-submit"), waitPath("/tasks"))
	login, err := identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{Email: clientEmail, Password: password, WantBearerToken: true}))
	if err != nil {
		t.Fatalf("LogIn over the API: %v", err)
	}
	mine := myTasks(ctx, t, tasksv1connect.NewTaskServiceClient(platform.client, platform.url), login.Msg.GetBearerToken())
	if len(mine) != 1 {
		t.Fatalf("the client has %d tasks, want 1", len(mine))
	}
	taskURL := platform.url + "/tasks/" + mine[0].GetRef()

	// The provider proposes; a bad price is refused next to the field.
	step(t, provider, "open the task", chromedp.Navigate(taskURL), appReady(), chromedp.WaitVisible(chromedp.CSS("#proposal-form")))
	step(t, provider, "propose with a bad price",
		fill("#proposal-price", "abc"), fill("#proposal-days", "10"), fill("#proposal-note", "I have built booking APIs."),
		click("#proposal-submit"), waitText("#error-price_fen"))
	step(t, provider, "propose",
		fill("#proposal-price", "4000"), click("#proposal-submit"),
		waitTextIs("#my-proposal-status", en.T("proposal.pending")))

	// The client sees the proposal and awards it.
	step(t, client, "award the proposal",
		chromedp.Navigate(taskURL), appReady(),
		chromedp.WaitVisible(chromedp.CSS("#proposal-list .proposal-item")),
		click("#proposal-list .proposal-award"),
		waitTextIs("#task-detail > .status", en.T("status.awarded")))

	// The provider starts, reports progress and moves a board card.
	step(t, provider, "start work",
		chromedp.Navigate(taskURL), appReady(),
		click("#work-start"),
		waitTextIs("#task-detail > .status", en.T("status.in_progress")))
	step(t, provider, "report progress",
		fill("#sub-status", "testing"), click("#sub-status-save"),
		waitTextIs("#task-detail .sub-status", "testing"))
	step(t, provider, "add a board card and move it right",
		click("#board-link"), waitPathSuffix("/board"), appReady(),
		chromedp.WaitVisible(chromedp.CSS("#board .board-column")),
		fill("#board .board-column .new-card-title", "API schema"),
		click("#board .board-column .add-card"),
		chromedp.WaitVisible(chromedp.CSS("#board .board-card")),
		click("#board .board-card .move-right"),
		chromedp.Poll[chromedp.Void](`(() => {
			const cols = document.querySelectorAll("#board .board-column");
			return (cols.length > 1 && cols[1].querySelector(".board-card .card-title")?.textContent === "API schema") || undefined;
		})()`))

	// The provider delivers a note, a link and a file.
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("Delivery notes: run make, then open /docs.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, provider, "deliver",
		chromedp.Navigate(taskURL), appReady(),
		chromedp.WaitVisible(chromedp.CSS("#delivery-form")),
		fill("#delivery-note", "The API and its docs."),
		fill("#delivery-links", "https://example.com/repo/pull/1"),
		chromedp.SetUploadFiles(chromedp.CSS("#delivery-file"), []string{file}),
		chromedp.WaitVisible(chromedp.CSS("#delivery-form .file-item")),
		click("#deliver-submit"),
		waitTextIs("#task-detail > .status", en.T("status.delivered")))

	// The client sees the delivery with its file, and accepts.
	step(t, client, "accept",
		chromedp.Navigate(taskURL), appReady(),
		chromedp.WaitVisible(chromedp.CSS("#delivery-list .delivery-item .file-item a")),
		click("#accept-delivery"),
		waitTextIs("#task-detail > .status", en.T("status.accepted")))
	href, err := chromedp.Run(client, chromedp.Evaluate[string](`document.querySelector("#delivery-list .file-item a").href`))
	if err != nil {
		t.Fatalf("read the file link: %v", err)
	}
	res, err := platform.client.Get(href)
	if err != nil {
		t.Fatalf("download the delivered file through the edge: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("download through the edge: status %d", res.StatusCode)
	}

	// Both review: the client's review stays blind until the provider's.
	review := func(b context.Context, who string) {
		stepWithin(t, b, time.Minute, who+" reviews",
			chromedp.Navigate(taskURL), appReady(),
			chromedp.WaitVisible(chromedp.CSS("#review-form")),
			fill("#review-stars", "5"), fill("#review-body", "Great to work with."),
			click("#review-submit"),
			chromedp.WaitVisible(chromedp.CSS("#review-list .review-item")))
	}
	review(client, "the client")
	step(t, client, "the client's review is blind", chromedp.WaitVisible(chromedp.CSS("#review-list .review-blind")))
	review(provider, "the provider")
	step(t, provider, "both reviews are revealed",
		chromedp.Poll[chromedp.Void](`(document.querySelectorAll("#review-list .review-item").length === 2 &&
			!document.querySelector("#review-list .review-blind")) || undefined`))
	step(t, provider, "the timeline shows every step",
		waitUntil(`document.querySelectorAll("#task-timeline .timeline-item").length >= 6`))
}

// stepWithin is step with its own deadline, so that a step that never
// completes still leaves a screenshot and the page's state.
func stepWithin(t *testing.T, browser context.Context, d time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser, d)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		var calls []string
		if platform.stack != nil {
			for _, line := range strings.Split(tail(filepath.Join(platform.stack.LogDir, "edge.log"), 40), "\n") {
				if i := strings.Index(line, `"uri":"`); i >= 0 {
					uri := strings.SplitN(line[i+7:], `"`, 2)[0]
					if j := strings.Index(line, `"status":`); j >= 0 {
						uri += " " + line[j+9:j+12]
					}
					calls = append(calls, uri)
				}
			}
		}
		marketErr, _ := chromedp.Run(browser, chromedp.Evaluate[string](`(document.querySelector("#market-error")?.textContent || "") + " | submit: " + (document.querySelector("#review-submit")?.textContent || "none")`))
		if len(calls) > 10 {
			calls = calls[len(calls)-10:]
		}
		t.Fatalf("%s: %v (screenshot: %s)\n%s\nmarket error: %q\nlast requests: %v", what, err, screenshot(browser, t), pageState(browser), marketErr, calls)
	}
}

// logConsole logs the page's console errors (a panic of the wasm app
// among them) to the test log.
func logConsole(t *testing.T, browser context.Context, who string) {
	t.Helper()
	if err := chromedp.Listen(browser, func(ev any) {
		if e, ok := ev.(*cdpruntime.EventConsoleAPICalled); ok && (e.Type == "error" || e.Type == "warning") {
			var text string
			for _, arg := range e.Args {
				text += string(arg.Value) + " " + arg.Description
			}
			t.Logf("%s console %s: %s", who, e.Type, text)
		}
	}); err != nil {
		t.Fatalf("listen to the console: %v", err)
	}
}
