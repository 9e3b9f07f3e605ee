package pages

import (
	"encoding/json"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"google.golang.org/protobuf/encoding/protojson"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// The installed app (ARCH-1, issue 7): it offers to reload when a new
// version is deployed, keeps copies of the tasks a person viewed so they
// can be read offline, and remembers the language a person chose.

// updateBanner offers to reload when the service worker has installed a
// new version of the app.
type updateBanner struct {
	app.Compo
	env       *env
	available bool
}

// OnMount shows the banner when the update arrived before this page.
func (b *updateBanner) OnMount(ctx app.Context) {
	b.available = ctx.AppUpdateAvailable()
}

// OnAppUpdate is called by go-app when a new version is ready.
func (b *updateBanner) OnAppUpdate(ctx app.Context) {
	b.available = ctx.AppUpdateAvailable()
}

func (b *updateBanner) Render() app.UI {
	if !b.available {
		return app.Div().ID("app-update").Hidden(true)
	}
	l := b.env.lang
	return app.Div().ID("app-update").Class("banner").Role("status").Body(
		app.Span().Text(l.T("app.update_available")+" "),
		app.Button().ID("app-update-reload").Class("btn btn-primary").Type("button").
			Text(l.T("app.update_reload")).OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() }),
	)
}

// langKey is where the chosen language is kept in localStorage; langCookie
// tells the server, so that it prerenders pages in it (webapp/site).
const (
	langKey    = "talent.lang"
	langCookie = "talent_lang"
)

// chosenLang is the language of the page's address (?lang=zh-CN), else the
// one the person chose, else the one the server prerendered the page in
// (its pick from the browser's Accept-Language), else the browser's: the
// app takes over in the language of the prerendered page, without a flash.
func chosenLang() ui.Lang {
	if v := app.Window().URL().Query().Get("lang"); v != "" {
		return ui.LangFor(v)
	}
	if v := app.Window().Get("localStorage").Call("getItem", langKey); v.Truthy() {
		rememberLang(ui.LangFor(v.String()))
		return ui.LangFor(v.String())
	}
	if v := app.Window().Get("document").Get("documentElement").Call("getAttribute", "lang"); v.Truthy() && v.String() != "" {
		return ui.LangFor(v.String())
	}
	return ui.LangFor(app.Window().Get("navigator").Get("language").String())
}

// rememberLang keeps the chosen language for the app and the server.
func rememberLang(l ui.Lang) {
	app.Window().Get("localStorage").Call("setItem", langKey, string(l))
	app.Window().Get("document").Set("cookie", langCookie+"="+string(l)+"; Path=/; Max-Age=31536000; SameSite=Lax; Secure")
}

// signedInKey is the hint that someone is signed in on this device: the
// session cookie is HttpOnly, and public pages start the app at once only
// for them (webapp/site/boot.go).
const signedInKey = "talent.signed-in"

func signedInHint() bool {
	v := app.Window().Get("localStorage").Call("getItem", signedInKey)
	return v.Truthy() && v.String() == "1"
}

func keepSignedInHint(signedIn bool) {
	if !app.IsClient {
		return
	}
	if signedIn {
		app.Window().Get("localStorage").Call("setItem", signedInKey, "1")
	} else {
		app.Window().Get("localStorage").Call("removeItem", signedInKey)
	}
}

// langSwitch switches between Chinese and English and reloads the page in
// the other language.
func (e *env) langSwitch() app.UI {
	other, label := ui.Chinese, "中文"
	if e.lang == ui.Chinese {
		other, label = ui.English, "English"
	}
	return app.Button().ID("lang-switch").Class("btn btn-quiet lang-switch").Type("button").
		Lang(string(other)).Aria("label", e.lang.T("app.switch_language")+": "+label).Text(label).
		OnClick(func(ctx app.Context, ev app.Event) {
			rememberLang(other)
			u := app.Window().URL()
			if q := u.Query(); q.Has("lang") {
				q.Del("lang")
				u.RawQuery = q.Encode()
				app.Window().Get("location").Call("replace", u.String())
				return
			}
			ctx.Reload()
		})
}

// recentKey is where copies of recently viewed tasks are kept; recentMax
// is how many.
const (
	recentKey = "talent.recent-tasks"
	recentMax = 20
)

// recentTask is one offline copy: the task and its timeline as protobuf
// JSON, and when it was saved.
type recentTask struct {
	Ref    string          `json:"ref"`
	Title  string          `json:"title"`
	Task   json.RawMessage `json:"task"`
	Events json.RawMessage `json:"events"`
	Saved  time.Time       `json:"saved"`
}

func readRecent() []recentTask {
	var rs []recentTask
	if v := app.Window().Get("localStorage").Call("getItem", recentKey); v.Truthy() {
		_ = json.Unmarshal([]byte(v.String()), &rs)
	}
	return rs
}

// saveRecent keeps a copy of a task the person viewed, newest first.
func saveRecent(t *tasksv1.Task, events []*tasksv1.TaskEvent, now time.Time) {
	if !app.IsClient || t == nil {
		return
	}
	task, err := protojson.Marshal(t)
	if err != nil {
		return
	}
	ev, err := protojson.Marshal(&tasksv1.ListTaskEventsResponse{Events: events})
	if err != nil {
		return
	}
	rs := []recentTask{{Ref: t.GetRef(), Title: t.GetTitle(), Task: task, Events: ev, Saved: now}}
	for _, r := range readRecent() {
		if r.Ref != t.GetRef() && len(rs) < recentMax {
			rs = append(rs, r)
		}
	}
	if b, err := json.Marshal(rs); err == nil {
		// A full storage quota only costs the offline copy.
		app.Window().Get("localStorage").Call("setItem", recentKey, string(b))
	}
}

// loadRecent returns the saved copy of the task ref, if any.
func loadRecent(ref string) (*tasksv1.Task, []*tasksv1.TaskEvent, time.Time, bool) {
	for _, r := range readRecent() {
		if r.Ref != ref {
			continue
		}
		var t tasksv1.Task
		var ev tasksv1.ListTaskEventsResponse
		if protojson.Unmarshal(r.Task, &t) != nil || protojson.Unmarshal(r.Events, &ev) != nil {
			return nil, nil, time.Time{}, false
		}
		return &t, ev.GetEvents(), r.Saved, true
	}
	return nil, nil, time.Time{}, false
}
