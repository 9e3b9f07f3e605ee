package e2e

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	moderationv1 "github.com/talent-hub/talent/proto/talent/moderation/v1"
	"github.com/talent-hub/talent/proto/talent/moderation/v1/moderationv1connect"
)

// TestNameTakeDownInBrowser: a display name with a review word signs up
// and lands in the patrol queue; an admin takes it down; its owner reads
// in the notification list, in words, that their display name was taken
// down and why, and the header shows the neutral name (SEC-5).
func TestNameTakeDownInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, adminToken := signUpAs(ctx, t, "names-admin", true)

	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	email := "named-" + randomHex(t) + "@example.com"
	signed, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: email, Password: e2ePassword, DisplayName: "刷单达人 " + randomHex(t)[:4], ConsentVersion: "2026-11",
	}))
	if err != nil {
		t.Fatalf("SignUp with a review word in the name: %v", err)
	}
	userID := signed.Msg.GetUser().GetId()

	moderation := moderationv1connect.NewModerationServiceClient(platform.client, platform.url)
	var itemID int64
	for token := ""; itemID == 0; {
		res, err := moderation.ListPatrolItems(ctx, withToken(&moderationv1.ListPatrolItemsRequest{PageSize: 500, PageToken: token}, adminToken))
		if err != nil {
			t.Fatalf("ListPatrolItems: %v", err)
		}
		for _, it := range res.Msg.GetItems() {
			if it.GetKind() == "name" && it.GetItemId() == userID {
				itemID = it.GetId()
			}
		}
		if token = res.Msg.GetNextPageToken(); token == "" && itemID == 0 {
			t.Fatalf("the name of %s is not in the patrol queue", userID)
		}
	}
	const reason = "名称不得含刷单"
	if _, err := moderation.ResolvePatrolItem(ctx, withToken(&moderationv1.ResolvePatrolItemRequest{
		Id: itemID, Action: moderationv1.PatrolAction_PATROL_ACTION_TAKE_DOWN, Note: reason,
	}, adminToken)); err != nil {
		t.Fatalf("take the name down: %v", err)
	}

	browser, closeBrowser := newBrowser(ctx, t, "zh-CN")
	defer closeBrowser()
	neutral := "user-" + userID[:8]
	step(t, browser, "log in as the renamed user",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", email), fill("#password", e2ePassword),
		click("#login-submit"),
		waitPath("/tasks"),
		waitTextIs("#current-user", neutral),
	)
	want := "管理员下架了您的显示名称：" + reason
	step(t, browser, "read the notice",
		chromedp.Navigate(platform.url+"/notifications"), appReady(),
		waitText("#notification-list .notification-text"),
	)
	if got := textOf(t, browser, "#notification-list .notification-text"); got != want {
		t.Fatalf("the notice reads %q, want %q", got, want)
	}
	if got, err := chromedp.Run(browser, chromedp.Evaluate[string](
		`document.querySelector("#notification-list a.notification-text").getAttribute("href")`)); err != nil || got != "/account/security" {
		t.Fatalf("the notice links to %q (%v), want /account/security", got, err)
	}
}
