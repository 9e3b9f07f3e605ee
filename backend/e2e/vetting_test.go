package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestProviderVettingInBrowser is provider vetting end to end (ID-2): a
// client fills in a provider profile, submits vetting with ID card images
// uploaded straight to the object store through presigned POSTs on the
// edge's /files route (a text file is refused with a translated message
// first), an admin opens the queue, sees the images through short-lived
// links and approves, and the provider sees the approval and the badge on
// their public profile. Everything runs under the edge's CSP.
func TestProviderVettingInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()
	en := ui.English

	suffix := randomHex(t)
	password := "a long enough password"
	provider := "Provider " + suffix
	providerEmail := "provider-" + suffix + "@example.com"
	adminEmail := "admin-" + suffix + "@example.com"
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	for _, u := range []struct{ email, name string }{{providerEmail, provider}, {adminEmail, "Admin " + suffix}} {
		if _, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
			Email: u.email, Password: password, DisplayName: u.name, ConsentVersion: "2026-11",
		})); err != nil {
			t.Fatalf("SignUp %s: %v", u.email, err)
		}
	}
	// Admins are appointed by operators, in the database.
	conn, err := pgx.Connect(ctx, platform.stack.Postgres.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "UPDATE users SET roles = ARRAY['admin'] WHERE email = $1", adminEmail); err != nil {
		t.Fatalf("make admin: %v", err)
	}

	dir := t.TempDir()
	idImage := filepath.Join(dir, "id-card.png")
	notImage := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(idImage, testPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notImage, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}

	logIn := func(email string) {
		t.Helper()
		step(t, browser, "log in as "+email,
			chromedp.Navigate(platform.url+"/login"), appReady(),
			fill("#email", email), fill("#password", password),
			click("#login-submit"), waitPath("/tasks"),
		)
	}
	logOut := func() {
		t.Helper()
		step(t, browser, "log out", click("#logout"), chromedp.WaitVisible(chromedp.CSS("#nav-login")))
	}

	logIn(providerEmail)
	step(t, browser, "become a provider",
		click("#nav-provider"), waitPath("/provider/profile"),
		fill("#skill-tag-0", "golang"), fill("#skill-level-0", "5"),
		click("#add-skill"), chromedp.WaitVisible(chromedp.CSS("#skill-tag-1")),
		fill("#skill-tag-1", "k8s"),
		fill("#hourly-rate", "300"), fill("#daily-rate", "2000"),
		fill("#city", "Shanghai"), fill("#time-zone", "Asia/Shanghai"),
		fill("#availability", "AVAILABILITY_PART_TIME"),
		fill("#bio", "I build **backends**."),
		click("#add-item"), chromedp.WaitVisible(chromedp.CSS("#item-title-0")),
		fill("#item-title-0", "Payments gateway "+suffix),
		fill("#item-links-0", "https://example.com/pay"),
		click("#add-item"), chromedp.WaitVisible(chromedp.CSS("#item-title-1")),
		fill("#item-title-1", "Secret work "+suffix),
		click("#item-hidden-1"),
		click("#profile-submit"),
		chromedp.WaitVisible(chromedp.CSS("#profile-saved")),
	)

	step(t, browser, "open vetting",
		click("#to-vetting"), waitPath("/provider/vetting"),
		waitUntil(`document.querySelector("#vetting-status")?.dataset.status === "VETTING_STATUS_NOT_SUBMITTED"`),
	)
	step(t, browser, "a text file is refused",
		chromedp.SetUploadFiles(chromedp.CSS("#id-front"), []string{notImage}),
		waitText("#error-id_front_file_id"),
	)
	if got, want := textOf(t, browser, "#error-id_front_file_id"), en.Reason("FILE_TYPE_NOT_ALLOWED", ""); got != want {
		t.Fatalf("text file: #error-id_front_file_id says %q, want %q", got, want)
	}
	uploaded := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](fmt.Sprintf(`(() => {
			const s = document.querySelector("#status-%s");
			const e = document.querySelector("#error-%s_file_id");
			if (e && e.textContent.trim() !== "" && !e.textContent.includes("not allowed")) throw new Error("upload failed: " + e.textContent);
			return (s && s.dataset.fileId) || undefined;
		})()`, id, strings.ReplaceAll(id, "-", "_")))
	}
	step(t, browser, "upload the ID card images",
		chromedp.SetUploadFiles(chromedp.CSS("#id-front"), []string{idImage}),
		uploaded("id-front"),
		chromedp.SetUploadFiles(chromedp.CSS("#id-back"), []string{idImage}),
		uploaded("id-back"),
	)
	step(t, browser, "a wrong ID number is refused",
		fill("#id-number", "110105194912310021"),
		click("#vetting-submit"),
		waitText("#error-id_number"),
	)
	if got, want := textOf(t, browser, "#error-id_number"), en.Reason("ID_NUMBER_INVALID", ""); got != want {
		t.Fatalf("wrong ID number: #error-id_number says %q, want %q", got, want)
	}
	step(t, browser, "submit vetting",
		fill("#id-number", "11010519491231002X"),
		click("#vetting-submit"),
		waitUntil(`document.querySelector("#vetting-status")?.dataset.status === "VETTING_STATUS_SUBMITTED"`),
		waitText("#vetting-history .vetting-item"),
	)
	if got := textOf(t, browser, "#vetting-history .vetting-item"); !strings.Contains(got, "110***********002X") {
		t.Fatalf("history shows %q, want the masked ID number", got)
	}
	logOut()

	logIn(adminEmail)
	step(t, browser, "open the queue",
		click("#nav-review"), waitPath("/admin/vetting"),
		waitUntil(fmt.Sprintf(`Array.from(document.querySelectorAll("#vetting-queue .queue-name")).some(e => e.textContent.trim() === %q)`, provider)),
	)
	step(t, browser, "open the submission",
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`Array.from(document.querySelectorAll("#vetting-queue .queue-name")).find(e => e.textContent.trim() === %q).click()`, provider)),
		chromedp.WaitVisible(chromedp.CSS("#submission")),
		// The ID images load through their presigned links.
		chromedp.Poll[chromedp.Void](`(() => {
			const f = document.querySelector("#doc-id-front"), b = document.querySelector("#doc-id-back");
			return (f && b && f.complete && f.naturalWidth > 0 && b.complete && b.naturalWidth > 0) || undefined;
		})()`),
	)
	if got := textOf(t, browser, "#submission .masked-id"); got != "110***********002X" {
		t.Fatalf("the admin sees the ID number as %q, want it masked", got)
	}
	if got := textOf(t, browser, "#submission #portfolio-list"); !strings.Contains(got, "Secret work "+suffix) {
		t.Fatalf("the review does not show the hidden portfolio item: %q", got)
	}
	step(t, browser, "approve", click("#approve"), chromedp.WaitVisible(chromedp.CSS("#decided")))
	logOut()

	logIn(providerEmail)
	step(t, browser, "see the approval",
		chromedp.Navigate(platform.url+"/provider/vetting"), appReady(),
		waitUntil(`document.querySelector("#vetting-status")?.dataset.status === "VETTING_STATUS_APPROVED"`),
	)
	if got, want := textOf(t, browser, "#vetting-status"), en.T("vetting.status.approved"); got != want {
		t.Fatalf("#vetting-status says %q, want %q", got, want)
	}
	step(t, browser, "see the public profile",
		chromedp.Navigate(platform.url+"/provider/profile"), appReady(),
		chromedp.WaitVisible(chromedp.CSS("#skill-tag-1")),
		click("#profile-submit"), chromedp.WaitVisible(chromedp.CSS("#to-public")),
		click("#to-public"),
		chromedp.WaitVisible(chromedp.CSS("#vetting-badge")),
	)
	portfolio := textOf(t, browser, "#portfolio-list")
	if !strings.Contains(portfolio, "Payments gateway "+suffix) || strings.Contains(portfolio, "Secret work") {
		t.Fatalf("public portfolio shows %q: want the visible item only", portfolio)
	}
	if got := textOf(t, browser, "#provider-skills"); !strings.Contains(got, "go") || !strings.Contains(got, "kubernetes") {
		t.Fatalf("public skills %q, want go and kubernetes", got)
	}
}

// testPNG is a small real PNG image.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 10))
	for x := range 16 {
		img.Set(x, x%10, color.RGBA{R: 40, G: 120, B: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
