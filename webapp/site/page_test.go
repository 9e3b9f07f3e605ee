package site

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/talent-hub/talent/webapp/ui"
)

func TestAcceptLang(t *testing.T) {
	t.Parallel()
	tests := map[string]ui.Lang{
		"":                             ui.English,
		"zh-CN,zh;q=0.9,en;q=0.8":      ui.Chinese,
		"zh":                           ui.Chinese,
		"zh-Hans-CN":                   ui.Chinese,
		"zh-TW":                        ui.Chinese,
		"en-US,en;q=0.9":               ui.English,
		"en-US,zh-CN;q=0.5":            ui.English,
		"fr-FR,zh-CN;q=0.8,en;q=0.5":   ui.Chinese,
		"fr-FR":                        ui.English,
		"en;q=0.2, zh-CN;q=0.7":        ui.Chinese,
		"zh-CN;q=0, en":                ui.English,
		"zh-CN;q=bogus, en;q=0.1":      ui.English,
		"de, zh-cn;q=0.9, en-gb;q=0.9": ui.Chinese,
	}
	for header, want := range tests {
		if got := acceptLang(header); got != want {
			t.Errorf("acceptLang(%q) = %s, want %s", header, got, want)
		}
	}
}

func TestStartsOnUse(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"/": true, "/tasks": true, "/tasks?q=go": true, "/tasks/T-000123": true, "/login": true, "/signup": true,
		"/providers/0b7c4a3e-5d1f-4a8e-9c2b-1f3e5d7a9b0c": true,
		"/tasks/new": false, "/tasks?mine=1": false, "/tasks/T-000123/edit": false, "/account/security": false,
		"/provider/profile": false, "/notifications": false, "/admin/patrol": false, "/work": false,
	}
	for raw, want := range tests {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := startsOnUse(u); got != want {
			t.Errorf("startsOnUse(%s) = %v, want %v", raw, got, want)
		}
	}
}

var loaderHidden = regexp.MustCompile(`<aside [^>]*id="app-wasm-loader"[^>]* hidden>`)

// TestPageLanguage: the prerendered page is in the language of the
// address, else the language switch's cookie, else Accept-Language, says
// so in <html lang> and Content-Language, links its other language with
// hreflang alternates, and has no boolean attribute written as "false"
// (which HTML reads as true).
func TestPageLanguage(t *testing.T) {
	dir, _ := testWebDir(t)
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		header     []string
		want       ui.Lang
	}{
		{"chinese browser", "/signup", []string{"Accept-Language", "zh-CN,zh;q=0.9"}, ui.Chinese},
		{"english browser", "/signup", []string{"Accept-Language", "en-US"}, ui.English},
		{"no language", "/login", nil, ui.English},
		{"address", "/login?lang=zh-CN", []string{"Accept-Language", "en-US"}, ui.Chinese},
		{"cookie", "/login", []string{"Accept-Language", "en-US", "Cookie", "talent_lang=zh-CN"}, ui.Chinese},
		{"address over cookie", "/login?lang=en", []string{"Cookie", "talent_lang=zh-CN"}, ui.English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := serve(t, h, tt.path, tt.header...)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %s", tt.path, res.Status)
			}
			for _, want := range []string{
				`<html lang="` + string(tt.want) + `">`,
				tt.want.T("footer.text"),
				`<link rel="alternate" hreflang="zh-CN" href="https://example.com` + strings.Split(tt.path, "?")[0] + `?lang=zh-CN">`,
				`<link rel="alternate" hreflang="en" href="https://example.com` + strings.Split(tt.path, "?")[0] + `?lang=en">`,
				`<link rel="alternate" hreflang="x-default" href="https://example.com` + strings.Split(tt.path, "?")[0] + `">`,
				`<meta name="talent-start" content="on-use" data-path="` + strings.Split(tt.path, "?")[0] + `">`,
				`id="nav-login"`, // no session cookie: the header offers to log in
			} {
				if !strings.Contains(body, want) {
					t.Errorf("GET %s lacks %s", tt.path, want)
				}
			}
			if got := res.Header.Get("Content-Language"); got != string(tt.want) {
				t.Errorf("Content-Language %q, want %s", got, tt.want)
			}
			if v := res.Header.Values("Vary"); !strings.Contains(strings.Join(v, ","), "Accept-Language") {
				t.Errorf("Vary %q lacks Accept-Language", v)
			}
			if !loaderHidden.MatchString(body) {
				t.Errorf("GET %s shows the loading badge over a usable page", tt.path)
			}
			if m := falseBoolean.FindString(body); m != "" {
				t.Errorf("GET %s has %s", tt.path, m)
			}
		})
	}

	// A page that needs the app starts it at once; a session cookie keeps
	// the header waiting for the session instead of offering to log in.
	_, body := serve(t, h, "/tasks/new", "Cookie", "talent_session=x")
	if strings.Contains(body, `name="talent-start"`) || strings.Contains(body, `id="nav-login"`) || loaderHidden.MatchString(body) {
		t.Errorf("GET /tasks/new with a session: starts on use or offers to log in")
	}
}

func TestFalseBooleansLeftOut(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
	in := `<html lang="en"><head></head><body><option selected="false" value="a">a</option><option selected>b</option>` +
		`<input type="checkbox" checked="false"><button disabled="false">x</button><div hidden="false" aria-busy="false">` +
		`<p>checked="false"</p></div></body></html>`
	got := string(finishPage([]byte(in), r, ui.Chinese))
	for _, want := range []string{`<html lang="zh-CN">`, `<option value="a">a</option><option selected>b</option>`,
		`<input type="checkbox">`, `<button>x</button>`, `<div aria-busy="false">`, `<meta name="talent-start"`} {
		if !strings.Contains(got, want) {
			t.Errorf("finishPage gave %s, lacking %s", got, want)
		}
	}
}

// TestAppJSStartsOnUse: the served app.js starts the wasm on first use of
// a page complete without it, and carries over what was done meanwhile;
// the patch refuses an app.js from a go-app that changed the lines it
// replaces.
func TestAppJSStartsOnUse(t *testing.T) {
	dir, m := testWebDir(t)
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	res, body := serve(t, h, "/app.js")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/javascript") {
		t.Fatalf("GET /app.js: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{m.Wasm, "function talentStart()", `meta[name="talent-start"]`, "talent.signed-in",
		"talentKeep()", "talentRestore(", "if (now) {", "goappInitWebAssembly();\n  };"} {
		if !strings.Contains(body, want) {
			t.Errorf("app.js lacks %q", want)
		}
	}
	if strings.Contains(body, "\ngoappInitWebAssembly();\n") {
		t.Error("app.js still starts the wasm unconditionally")
	}
	if _, err := startWhenUsed("goappInitWebAssembly();\n"); err == nil {
		t.Error("startWhenUsed accepted an app.js without go.run")
	}
}
