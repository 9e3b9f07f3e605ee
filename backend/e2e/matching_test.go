package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	matchingv1 "github.com/talent-hub/talent/proto/talent/matching/v1"
	"github.com/talent-hub/talent/proto/talent/matching/v1/matchingv1connect"
	notificationsv1 "github.com/talent-hub/talent/proto/talent/notifications/v1"
	"github.com/talent-hub/talent/proto/talent/notifications/v1/notificationsv1connect"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestRecommendedProvidersInBrowser is the matching journey (MATCH-1..3)
// through the real binaries: a provider vetted through the platform's
// RPCs reaches the running index, the client sees them recommended on
// their task's page with why, invites them with the Invite button (the
// market's InviteProvider), the slate's impression, click and invite are
// recorded, and the provider is notified of the invitation.
func TestRecommendedProvidersInBrowser(t *testing.T) {
	needPlatform(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, platform.stack.Postgres.URL)
	if err != nil {
		t.Fatalf("connect to the database: %v", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	suffix := randomHex(t)
	password := "a long enough password"
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, Transport: platform.client.Transport, Timeout: platform.client.Timeout}
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	signUp := func(name string, role identityv1.Role) string {
		t.Helper()
		resp, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
			Email: "match-" + suffix + "-" + role.String() + "@example.com", Password: password,
			DisplayName: name, ConsentVersion: "2026-11", Roles: []identityv1.Role{role},
		}))
		if err != nil {
			t.Fatalf("SignUp %s: %v", name, err)
		}
		return resp.Msg.GetUser().GetId()
	}
	providerName := "Match Provider " + suffix
	providerID := signUp(providerName, identityv1.Role_ROLE_PROVIDER)
	adminID := signUp("Match Admin "+suffix, identityv1.Role_ROLE_CLIENT)
	clientEmail := "match-" + suffix + "-client@example.com"
	clientResp, err := identityv1connect.NewIdentityServiceClient(hc, platform.url).SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: clientEmail, Password: password, DisplayName: "Match Client " + suffix, ConsentVersion: "2026-11",
		Roles: []identityv1.Role{identityv1.Role_ROLE_CLIENT},
	}))
	if err != nil {
		t.Fatalf("SignUp client: %v", err)
	}

	// The provider is vetted through the platform's RPCs (ID-2): the
	// running talentd's change feed brings their profile into the index.
	if _, err := conn.Exec(ctx, `UPDATE users SET roles = '{admin}' WHERE id = $1`, adminID); err != nil {
		t.Fatalf("make admin: %v", err)
	}
	vetProvider(ctx, t, "match-"+suffix+"-"+identityv1.Role_ROLE_PROVIDER.String()+"@example.com",
		"match-"+suffix+"-"+identityv1.Role_ROLE_CLIENT.String()+"@example.com", password,
		&providersv1.SaveProfileRequest{
			Skills:        []*providersv1.Skill{{Tag: "golang", Level: 5}, {Tag: "postgresql", Level: 4}},
			HourlyRateFen: 20000, City: "上海", TimeZone: "Asia/Shanghai",
			Availability: providersv1.Availability_AVAILABILITY_FULL_TIME,
		})
	// The client's task, straight into the database.
	var ref int64
	var taskID string
	err = conn.QueryRow(ctx, `
		INSERT INTO tasks (client_id, title, budget_min_fen, budget_max_fen, delivery_date, skill_tags, remote, city, search_text)
		VALUES ($1, $2, 500000, 900000, current_date + 30, '{go,postgresql}', false, '上海', lower($2))
		RETURNING ref_no, id::text`,
		clientResp.Msg.GetUser().GetId(), "Matching task "+suffix).Scan(&ref, &taskID)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	matching := matchingv1connect.NewMatchingServiceClient(hc, platform.url)
	for {
		resp, err := matching.RecommendProviders(ctx, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: taskID}))
		if err != nil {
			t.Fatalf("RecommendProviders: %v", err)
		}
		if len(resp.Msg.GetProviders()) > 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the provider never reached the index")
		case <-time.After(200 * time.Millisecond):
		}
	}

	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()
	step(t, browser, "log in as the client",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", clientEmail), fill("#password", password),
		click("#login-submit"), waitPath("/tasks"),
	)
	item := `#recommended-providers .match-item[data-id="` + providerID + `"]`
	step(t, browser, "open the task",
		chromedp.Navigate(platform.url+"/tasks/"+refText(ref)), appReady(),
		waitTextIs(item+" .match-name", providerName),
	)
	if got, want := textOf(t, browser, item+" .match-why li:first-child"), "2 of 2 skills"; got != want {
		t.Errorf("first reason %q, want %q", got, want)
	}
	step(t, browser, "invite", click(item+" .match-invite"), waitTextIs(item+" .match-invite", ui.English.T("match.invited")))

	// The slate's events are recorded (asynchronously, so wait for them).
	for {
		var kinds []string
		err := conn.QueryRow(ctx, `
			SELECT coalesce(array_agg(DISTINCT e.kind ORDER BY e.kind), '{}')
			FROM matching_slate_events e JOIN matching_slates s ON s.id = e.slate_id
			WHERE s.task_id = $1 AND e.item_id = $2`, taskID, providerID).Scan(&kinds)
		if err != nil {
			t.Fatalf("read slate events: %v", err)
		}
		if len(kinds) == 3 && kinds[0] == "click" && kinds[1] == "impression" && kinds[2] == "invite" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("slate events %q, want click, impression and invite", kinds)
		case <-time.After(200 * time.Millisecond):
		}
	}

	// The invite reached the provider as a notification leading to the task.
	notes := notificationsv1connect.NewNotificationServiceClient(platform.client, platform.url)
	providerToken := bearerToken(ctx, t, "match-"+suffix+"-"+identityv1.Role_ROLE_PROVIDER.String()+"@example.com", password)
	list, err := notes.ListNotifications(ctx, withBearer(&notificationsv1.ListNotificationsRequest{}, providerToken))
	if err != nil {
		t.Fatalf("ListNotifications: %v", err)
	}
	invited := false
	for _, n := range list.Msg.GetNotifications() {
		invited = invited || (n.GetKind() == "task.invited" && n.GetLink() == "/tasks/"+refText(ref))
	}
	if !invited {
		t.Fatalf("the provider's notifications %v have no invitation to %s", list.Msg.GetNotifications(), refText(ref))
	}
}

// refText is a task's readable reference, "T-000123".
func refText(n int64) string {
	return fmt.Sprintf("T-%06d", n)
}
