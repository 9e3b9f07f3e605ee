package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	eventsv1 "github.com/talent-hub/talent/proto/talent/events/v1"
	"github.com/talent-hub/talent/proto/talent/events/v1/eventsv1connect"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	notificationsv1 "github.com/talent-hub/talent/proto/talent/notifications/v1"
	"github.com/talent-hub/talent/proto/talent/notifications/v1/notificationsv1connect"
	repositoriesv1 "github.com/talent-hub/talent/proto/talent/repositories/v1"
	"github.com/talent-hub/talent/proto/talent/repositories/v1/repositoriesv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestLiveBetweenTwoBrowsers: a task's client and provider each have its
// page open in their own browser. The provider links a GitHub repository
// and the client's page shows it at once, with its "open in" buttons, and
// the client's bell counts the notification; a signed push webhook sent
// through the edge shows on both pages; the provider starts work and
// the client's page shows the new status (TASK-3, TASK-4).
func TestLiveBetweenTwoBrowsers(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	en := ui.English
	suffix := randomHex(t)
	password := "a long enough password"

	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	signUp := func(who string, role identityv1.Role) (email, name, token string) {
		t.Helper()
		email, name = who+"-"+suffix+"@example.com", "Live "+who+" "+suffix
		res, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
			Email: email, Password: password, DisplayName: name, ConsentVersion: "2026-11",
			Roles: []identityv1.Role{role}, WantBearerToken: true,
		}))
		if err != nil {
			t.Fatalf("SignUp %s: %v", who, err)
		}
		return email, name, res.Msg.GetBearerToken()
	}
	clientEmail, clientName, clientToken := signUp("client", identityv1.Role_ROLE_CLIENT)
	providerEmail, providerName, providerToken := signUp("provider", identityv1.Role_ROLE_PROVIDER)

	tasks := tasksv1connect.NewTaskServiceClient(platform.client, platform.url)
	create := connect.NewRequest(&tasksv1.CreateTaskRequest{
		Title: "Live task " + suffix, Description: "Both parties watch this.", BudgetMinFen: 500000, BudgetMaxFen: 800000,
		DeliveryDate: time.Now().In(shanghai(t)).AddDate(0, 1, 0).Format(time.DateOnly), SkillTags: []string{"go"},
		TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
	})
	create.Header().Set("Authorization", "Bearer "+clientToken)
	created, err := tasks.CreateTask(ctx, create)
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	ref := created.Msg.GetTask().GetRef()
	// Award it to the provider, who must be vetted first (ID-2), through
	// the market's RPCs.
	approveProvider(ctx, t, providerEmail, password)
	market := tasksv1connect.NewMarketServiceClient(platform.client, platform.url)
	proposal, err := market.CreateProposal(ctx, withToken(&tasksv1.CreateProposalRequest{
		IdOrRef: ref, PriceFen: 600000, TimelineDays: 14, CoverNote: "I can do this.",
	}, providerToken))
	if err != nil {
		t.Fatalf("CreateProposal: %v", err)
	}
	if _, err := market.AwardProposal(ctx, withToken(&tasksv1.AwardProposalRequest{ProposalId: proposal.Msg.GetProposal().GetId()}, clientToken)); err != nil {
		t.Fatalf("AwardProposal: %v", err)
	}
	// The proposal and the award notified both: the bells start at zero.
	notifications := notificationsv1connect.NewNotificationServiceClient(platform.client, platform.url)
	for _, token := range []string{clientToken, providerToken} {
		if _, err := notifications.MarkNotificationsRead(ctx, withToken(&notificationsv1.MarkNotificationsReadRequest{UpToId: math.MaxInt64}, token)); err != nil {
			t.Fatalf("MarkNotificationsRead: %v", err)
		}
	}

	clientBrowser, closeClient := newBrowser(ctx, t, "en-US")
	defer closeClient()
	providerBrowser, closeProvider := newBrowser(ctx, t, "en-US")
	defer closeProvider()
	live := waitUntil(`document.querySelector("#live-indicator")?.dataset.live === "true"`)
	for _, b := range []struct {
		browser     context.Context
		email, name string
	}{{clientBrowser, clientEmail, clientName}, {providerBrowser, providerEmail, providerName}} {
		step(t, b.browser, "log in as "+b.name,
			chromedp.Navigate(platform.url+"/login"), appReady(),
			fill("#email", b.email), fill("#password", password),
			click("#login-submit"),
			waitPath("/tasks"), waitTextIs("#current-user", b.name),
		)
		step(t, b.browser, "open the task as "+b.name,
			chromedp.Navigate(platform.url+"/tasks/"+ref), appReady(),
			waitTextIs("#task-detail .status", en.T("status.awarded")),
			chromedp.WaitVisible(chromedp.CSS("#repo-form")),
			live,
		)
	}

	// A repository elsewhere than GitHub or GitLab is refused next to the
	// field, which keeps the address.
	bitbucket := "https://bitbucket.org/acme-dev/shop-api"
	step(t, providerBrowser, "link a repository on another host",
		fill("#repo-url", bitbucket),
		click("#repo-link"),
		waitText("#error-url"),
	)
	if got, want := textOf(t, providerBrowser, "#error-url"), en.Reason("REPOSITORY_HOST_UNSUPPORTED", ""); got != want {
		t.Errorf("#error-url says %q, want %q", got, want)
	}
	if got, _ := chromedp.Run(providerBrowser, chromedp.Value(chromedp.CSS("#repo-url"))); got != bitbucket {
		t.Errorf("after the refusal #repo-url holds %q, want %q", got, bitbucket)
	}

	// The provider links a repository, and the field empties; the client
	// sees it without reloading.
	step(t, providerBrowser, "link a repository",
		fill("#repo-url", "https://github.com/acme-dev/shop-api"),
		click("#repo-link"),
		waitCount("#repo-links .repo-link", 1),
		waitUntil(`document.querySelector("#repo-url").value === ""`),
	)
	step(t, clientBrowser, "see the repository appear",
		waitCount("#repo-links .repo-link", 1),
		waitTextIs("#unread-count", "1"),
	)
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(clientBrowser, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)[%q] || ""`, sel, name)))
		if err != nil {
			t.Fatalf("read %s.%s: %v", sel, name, err)
		}
		return v
	}
	if got := attr(".repo-vscode", "href"); got != "https://vscode.dev/github/acme-dev/shop-api" {
		t.Errorf("VS Code for the Web link = %q", got)
	}
	if got := attr(".repo-codesandbox", "href"); got != "https://codesandbox.io/p/github/acme-dev/shop-api" {
		t.Errorf("CodeSandbox link = %q", got)
	}

	// GitHub delivers a signed push through the edge; both pages show it.
	hookURL, secret := attr(".repo-webhook-url", "value"), attr(".repo-webhook-secret", "value")
	body, err := os.ReadFile(filepath.Join("..", "repositories", "testdata", "github_push.json"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", "e2e-"+suffix)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	res, err := platform.client.Do(req)
	if err != nil {
		t.Fatalf("deliver the webhook through the edge: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook through the edge: %s, want 202 Accepted", res.Status)
	}
	for _, b := range []context.Context{clientBrowser, providerBrowser} {
		step(t, b, "see the push",
			waitCount("#repo-pushes .repo-commit", 2))
	}

	// The provider's network drops. Meanwhile the client links a second
	// repository; when the network is back, the provider's app reconnects
	// and catches up from its last cursor: the link and the notification
	// about it appear without a reload.
	step(t, providerBrowser, "go offline", setOffline(true),
		waitUntil(`document.querySelector("#live-indicator")?.dataset.live === "false"`))
	repos := repositoriesv1connect.NewRepositoryServiceClient(platform.client, platform.url)
	link := connect.NewRequest(&repositoriesv1.LinkRepositoryRequest{Task: ref, Url: "https://gitlab.com/acme/apps/mobile-app"})
	link.Header().Set("Authorization", "Bearer "+clientToken)
	if _, err := repos.LinkRepository(ctx, link); err != nil {
		t.Fatalf("LinkRepository as the client: %v", err)
	}
	step(t, providerBrowser, "come back online and catch up", setOffline(false), live,
		waitCount("#repo-links .repo-link", 2),
		waitTextIs("#unread-count", "1"))

	// The provider starts work; the client's page follows. (Cancelling
	// needs a step-up, ID-4: TestCancelNeedsStepUp in backend/tasks.)
	step(t, providerBrowser, "start work", click("#work-start"),
		waitFor(textIs("#task-detail .status", en.T("status.in_progress"))))
	step(t, clientBrowser, "see the work started",
		waitTextIs("#task-detail .status", en.T("status.in_progress")),
		waitUntil(`document.querySelectorAll("#task-timeline .timeline-item").length >= 2`))
}

// TestEventStreamOverEveryProtocol opens the event stream through the edge
// with the Connect, gRPC and gRPC-Web protocols: each becomes live, and a
// change the caller makes to their task arrives on it (TASK-4).
func TestEventStreamOverEveryProtocol(t *testing.T) {
	needPlatform(t)
	protocols := []struct {
		name string
		opts []connect.ClientOption
	}{
		{"connect", nil},
		{"connect-json", []connect.ClientOption{connect.WithProtoJSON()}},
		{"grpc", []connect.ClientOption{connect.WithGRPC()}},
		{"grpc-web", []connect.ClientOption{connect.WithGRPCWeb()}},
	}
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
			signedUp, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
				Email: "stream-" + p.name + "-" + randomHex(t) + "@example.com", Password: "a long enough password",
				DisplayName: "Stream " + p.name, ConsentVersion: "2026-11", WantBearerToken: true,
			}))
			if err != nil {
				t.Fatalf("SignUp: %v", err)
			}
			token := signedUp.Msg.GetBearerToken()
			// A stream has no overall timeout: the platform client's 30 s
			// would cut it; the context bounds it here.
			streamClient := &http.Client{Transport: platform.client.Transport}
			events := eventsv1connect.NewEventServiceClient(streamClient, platform.url, p.opts...)
			req := connect.NewRequest(&eventsv1.SubscribeRequest{})
			req.Header().Set("Authorization", "Bearer "+token)
			stream, err := events.Subscribe(ctx, req)
			if err != nil {
				t.Fatalf("Subscribe: %v", err)
			}
			defer stream.Close()
			if !stream.Receive() || stream.Msg().GetReady() == nil {
				t.Fatalf("first message %v (%v), want ready", stream.Msg(), stream.Err())
			}

			tasks := tasksv1connect.NewTaskServiceClient(platform.client, platform.url)
			create := connect.NewRequest(&tasksv1.CreateTaskRequest{
				Title: "Stream task " + p.name, BudgetMinFen: 100000, BudgetMaxFen: 200000,
				DeliveryDate: time.Now().In(shanghai(t)).AddDate(0, 1, 0).Format(time.DateOnly), SkillTags: []string{"go"}, Remote: true,
				TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END,
			})
			create.Header().Set("Authorization", "Bearer "+token)
			created, err := tasks.CreateTask(ctx, create)
			if err != nil {
				t.Fatalf("CreateTask: %v", err)
			}
			ref := created.Msg.GetTask().GetRef()
			closeReq := connect.NewRequest(&tasksv1.CloseTaskRequest{IdOrRef: ref})
			closeReq.Header().Set("Authorization", "Bearer "+token)
			if _, err := tasks.CloseTask(ctx, closeReq); err != nil {
				t.Fatalf("CloseTask: %v", err)
			}
			for stream.Receive() {
				ev := stream.Msg().GetEvent()
				if ev.GetKind() == "task.changed" && ev.GetTask() == ref {
					if !strings.Contains(ev.GetPayloadJson(), `"status": "closed"`) {
						t.Fatalf("task.changed payload %s, want status closed", ev.GetPayloadJson())
					}
					return
				}
			}
			t.Fatalf("the stream ended before task.changed of %s: %v", ref, stream.Err())
		})
	}
}

// emulateNetworkConditions is DevTools' network emulation; offline fails
// the page's requests, open ones included, as a dropped network does.
var emulateNetworkConditions = cdp.Command[networkConditions, cdp.Empty]{Method: "Network.emulateNetworkConditions"}

type networkConditions struct {
	Offline            bool    `json:"offline"`
	Latency            float64 `json:"latency"`
	DownloadThroughput float64 `json:"downloadThroughput"`
	UploadThroughput   float64 `json:"uploadThroughput"`
}

// setOffline takes the page's network away or gives it back.
func setOffline(offline bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulateNetworkConditions, networkConditions{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}
