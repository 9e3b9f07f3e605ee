package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/proto/talent/providers/v1/providersv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
	"github.com/talent-hub/talent/webapp/site"
	"github.com/talent-hub/talent/webapp/ui"
)

// dataAttr matches a data attribute's value that may be base64.
var dataAttr = regexp.MustCompile(`data-[a-z]+="([A-Za-z0-9+/=]{8,})"`)

// getPage fetches a page through the edge, signed out, as a browser whose
// language is acceptLang, with extra "Name: value" headers.
func getPage(ctx context.Context, t *testing.T, path, acceptLang string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, platform.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Accept-Language", acceptLang)
	for _, h := range header {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	res, err := platform.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, res.Status)
	}
	return res, string(b)
}

// TestPrerenderedInChinese: a public task page is prerendered with the
// task's real data in the visitor's language: Chinese for a Chinese
// browser (Accept-Language), for ?lang=zh-CN and for the language
// switch's cookie; English otherwise; with <html lang>, Content-Language
// and hreflang alternates (ARCH-1, issue 7).
func TestPrerenderedInChinese(t *testing.T) {
	needPlatform(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, token := signUpAs(ctx, t, "prerender-client", false)
	tasks := tasksv1connect.NewTaskServiceClient(platform.client, platform.url)
	title := "数据看板 prerender " + randomHex(t)
	created, err := tasks.CreateTask(ctx, withToken(&tasksv1.CreateTaskRequest{
		Title: title, Description: "把销售数据做成看板。", BudgetMinFen: 500000, BudgetMaxFen: 800000,
		DeliveryDate: time.Now().In(shanghai(t)).AddDate(0, 0, 10).Format(time.DateOnly),
		SkillTags:    []string{"Go"}, TaskType: tasksv1.TaskType_TASK_TYPE_DATA_ANALYSIS, Remote: true,
	}, token))
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	path := "/tasks/" + created.Msg.GetTask().GetRef()

	tests := []struct {
		name, path, acceptLang, header string
		want                           ui.Lang
	}{
		{"chinese browser", path, "zh-CN,zh;q=0.9,en;q=0.8", "", ui.Chinese},
		{"bare zh", path, "zh", "", ui.Chinese},
		{"english browser", path, "en-GB,en;q=0.9", "", ui.English},
		{"english preferred over chinese", path, "en-US,zh-CN;q=0.5", "", ui.English},
		{"address", path + "?lang=zh-CN", "en-US", "", ui.Chinese},
		{"address over cookie", path + "?lang=en", "zh-CN", "Cookie: talent_lang=zh-CN", ui.English},
		{"switch cookie", path, "en-US", "Cookie: talent_lang=zh-CN", ui.Chinese},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.header != "" {
				header = append(header, tt.header)
			}
			res, body := getPage(ctx, t, tt.path, tt.acceptLang, header...)
			for _, want := range []string{
				`<html lang="` + string(tt.want) + `">`,
				title,                  // the task, read from the database
				`id="prerendered"`,     // its snapshot for the wasm
				tt.want.T("nav.tasks"), // the catalogue in the page's language
				tt.want.T("footer.text"),
				`hreflang="zh-CN" href="https://`,
				`hreflang="en" href="https://`,
				`hreflang="x-default"`,
				`<meta name="talent-start" content="on-use" data-path="` + path + `">`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if got := res.Header.Get("Content-Language"); got != string(tt.want) {
				t.Errorf("Content-Language %q, want %q", got, tt.want)
			}
			if other := map[ui.Lang]ui.Lang{ui.Chinese: ui.English, ui.English: ui.Chinese}[tt.want]; strings.Contains(body, ">"+other.T("footer.text")+"<") {
				t.Errorf("the %s page has the %s footer", tt.want, other)
			}
		})
	}
}

// TestPrerenderedProviderProfile: a provider's public profile is
// prerendered with the real profile (skills, rate, city, bio, portfolio)
// so it can be shared and indexed, and a hidden portfolio item appears
// nowhere in it, not even in the snapshot for the wasm (SEC-4).
func TestPrerenderedProviderProfile(t *testing.T) {
	needPlatform(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	name := "Prerender 李雷 " + randomHex(t)[:6]
	email := "prerender-provider-" + randomHex(t) + "@example.com"
	if _, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: email, Password: e2ePassword, DisplayName: name, ConsentVersion: "2026-11",
		Roles: []identityv1.Role{identityv1.Role_ROLE_PROVIDER},
	})); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	login, err := identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: e2ePassword, WantBearerToken: true}))
	if err != nil {
		t.Fatalf("LogIn: %v", err)
	}
	token := login.Msg.GetBearerToken()
	me, err := identity.GetMe(ctx, withToken(&identityv1.GetMeRequest{}, token))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	visible, hidden := "Visible shop "+randomHex(t), "Secret client work "+randomHex(t)
	bio := "Ten years of Go services " + randomHex(t)
	providers := providersv1connect.NewProviderServiceClient(platform.client, platform.url)
	if _, err := providers.SaveProfile(ctx, withToken(&providersv1.SaveProfileRequest{
		Skills:        []*providersv1.Skill{{Tag: "go", Level: 5}, {Tag: "postgresql", Level: 4}},
		HourlyRateFen: 30000, City: "杭州", TimeZone: "Asia/Shanghai",
		Availability: providersv1.Availability_AVAILABILITY_PART_TIME, Bio: bio,
		Portfolio: []*providersv1.PortfolioItem{
			{Title: visible, Description: "An online shop.", Links: []string{"https://example.com/shop"}},
			{Title: hidden, Description: "Under NDA.", Hidden: true},
		},
	}, token)); err != nil {
		t.Fatalf("SaveProfile: %v", err)
	}

	path := "/providers/" + me.Msg.GetUser().GetId()
	for _, lang := range []ui.Lang{ui.English, ui.Chinese} {
		t.Run(string(lang), func(t *testing.T) {
			_, body := getPage(ctx, t, path, string(lang))
			for _, want := range []string{
				`<html lang="` + string(lang) + `">`,
				`id="provider-profile"`, name, bio, visible, "postgresql", "杭州", "¥300",
				lang.T("provider.portfolio"), lang.T("profile.rate"),
				`id="prerendered"`,
				`<meta name="talent-start" content="on-use" data-path="` + path + `">`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the profile page lacks %q", want)
				}
			}
			// The snapshot travels base64-encoded: look inside it too.
			seen := body
			for _, m := range dataAttr.FindAllStringSubmatch(body, -1) {
				if b, err := base64.StdEncoding.DecodeString(m[1]); err == nil {
					seen += string(b)
				}
			}
			if !strings.Contains(seen, `"`+visible+`"`) {
				t.Errorf("the snapshot lacks the visible item %q", visible)
			}
			for _, secret := range []string{hidden, "Under NDA"} {
				if strings.Contains(seen, secret) {
					t.Errorf("the public profile page shows the hidden item's %q", secret)
				}
			}
		})
	}
}

// TestWasmServedSmallHashedAndCached: the edge serves the app's wasm under
// its content hash, Brotli-compressed at no more than 3.5 MB, cached for a
// year as immutable (ARCH-1, issue 7).
func TestWasmServedSmallHashedAndCached(t *testing.T) {
	needPlatform(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := site.ReadManifest(filepath.Join(os.Getenv("TALENT_BIN_DIR"), "web"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(os.Getenv("TALENT_BIN_DIR"), "web", path.Base(m.Wasm)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if want := "/web/app." + hex.EncodeToString(sum[:])[:16] + ".wasm"; m.Wasm != want {
		t.Errorf("the wasm is served as %s, want its content hash %s", m.Wasm, want)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, platform.url+m.Wasm, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "br, gzip")
	res, err := platform.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		t.Fatal(err)
	}
	const maxBrotli = 3_500_000
	switch {
	case res.StatusCode != http.StatusOK:
		t.Fatalf("GET %s: %s", m.Wasm, res.Status)
	case res.Header.Get("Content-Encoding") != "br":
		t.Errorf("GET %s: Content-Encoding %q, want br", m.Wasm, res.Header.Get("Content-Encoding"))
	case n > maxBrotli:
		t.Errorf("the wasm is %d bytes Brotli-compressed, more than %d", n, maxBrotli)
	case n < int64(len(raw))/10:
		t.Errorf("the wasm arrived as %d bytes of %d raw: not the whole file", n, len(raw))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("GET %s: Cache-Control %q, want a year, immutable", m.Wasm, cc)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/wasm" {
		t.Errorf("GET %s: Content-Type %q, want application/wasm (for streaming compilation)", m.Wasm, ct)
	}
	t.Logf("%s: %d bytes raw, %d bytes Brotli", m.Wasm, len(raw), n)
}

// TestPrerenderStartsOnUse: a public page works as prerendered and the
// wasm starts when the person uses it (webapp/site/boot.go): nothing loads
// the wasm before; what is typed and pressed meanwhile reaches the app,
// which takes over in the page's language (ARCH-1, issue 7).
func TestPrerenderStartsOnUse(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "zh-CN")
	defer closeBrowser()
	email := "nobody-" + randomHex(t) + "@example.com"
	step(t, browser, "open the log-in page", chromedp.Navigate(platform.url+"/login"),
		waitUntil(`document.readyState === "complete" && !!window.talentStartNow`))
	type pageBefore struct {
		Lang  string `json:"lang"`
		Ready string `json:"ready"`
		Wasm  bool   `json:"wasm"`
		Form  bool   `json:"form"`
	}
	before, err := chromedp.Run(browser, retryLostContext(chromedp.Evaluate[pageBefore](`({
		lang: document.documentElement.lang,
		ready: document.documentElement.dataset.app || "",
		wasm: performance.getEntriesByType("resource").some((e) => e.name.endsWith(".wasm")),
		form: !!document.querySelector("#login-form #email"),
	})`)))
	if err != nil {
		t.Fatal(err)
	}
	if before.Lang != "zh-CN" || before.Ready != "" || before.Wasm || !before.Form {
		t.Fatalf("the unused prerendered page: %+v, want zh-CN, the form, no app and no wasm loaded", before)
	}
	// Typing starts the app; the press on "log in" may come before it
	// took over, and still counts.
	step(t, browser, "type and log in", fill("#email", email), fill("#password", "not a password at all"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#login-submit").click()`),
		waitText("#form-error"))
	if got, want := textOf(t, browser, "#form-error"), ui.Chinese.Reason("BAD_CREDENTIALS", ""); got != want {
		t.Errorf("#form-error says %q, want %q", got, want)
	}
	type pageAfter struct {
		Lang  string `json:"lang"`
		Ready string `json:"ready"`
		Email string `json:"email"`
	}
	after, err := chromedp.Run(browser, chromedp.Evaluate[pageAfter](`({
		lang: document.documentElement.lang,
		ready: document.documentElement.dataset.app || "",
		email: document.querySelector("#email").value,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if after.Lang != "zh-CN" || after.Ready != "ready" || after.Email != email {
		t.Errorf("after taking over: %+v, want zh-CN, ready, the typed email %s", after, email)
	}
}
