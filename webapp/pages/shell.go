package pages

import (
	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// layout wraps a page's content in the shared header and footer.
func (e *env) layout(content ...app.UI) app.UI {
	return app.Div().Class("app").Body(
		app.A().Class("skip-link").Href("#main").Text(e.lang.T("common.skip")),
		&header{env: e},
		&updateBanner{env: e},
		app.Main().ID("main").Class("container main").Body(content...),
		app.Footer().Class("footer").Body(
			app.Div().Class("container footer-inner").Body(
				app.P().Text(e.lang.T("footer.text")),
				e.langSwitch(),
			),
		),
	)
}

// header is the top bar: brand, navigation and who is signed in.
type header struct {
	app.Compo
	env *env
	s   session
}

// OnMount loads the session and marks the document as running the app
// (data-app="ready" on <html>): until then the page is the prerendered HTML,
// which does not react to input. End-to-end tests wait for the mark.
func (h *header) OnMount(ctx app.Context) {
	// The event stream runs while someone is signed in (realtime.go).
	ctx.ObserveState(sessionState, &h.s).OnChange(func() {
		h.env.syncStream(ctx, h.s.SignedIn)
		if h.s.Loaded {
			keepSignedInHint(h.s.SignedIn)
		}
	})
	if h.s.Loaded {
		h.env.syncStream(ctx, h.s.SignedIn)
	}
	h.env.loadSession(ctx)
	if app.IsClient {
		app.Window().Get("document").Get("documentElement").Get("dataset").Set("app", "ready")
	}
}

func (h *header) Render() app.UI {
	l := h.env.lang
	var account app.UI
	switch {
	case !h.s.Loaded && !h.env.signedOut:
		// Unknown yet: keep the space so the bar does not jump.
		account = app.Span().Class("account account-pending").Aria("hidden", "true")
	case h.s.SignedIn:
		account = app.Div().Class("account").Body(
			&bell{env: h.env},
			app.Span().Class("visually-hidden").Text(l.T("nav.signed_in")+" "),
			app.A().ID("nav-security").Class("current-user-link").Href("/account/security").Body(
				app.Span().ID("current-user").Class("current-user").Text(h.s.Name),
			),
			app.Button().ID("logout").Class("btn btn-quiet").Type("button").
				Text(l.T("nav.logout")).OnClick(h.logOut),
		)
	default:
		account = app.Div().Class("account").Body(
			app.A().ID("nav-login").Class("btn btn-quiet").Href("/login").Text(l.T("nav.login")),
			app.A().ID("nav-signup").Class("btn btn-primary").Href("/signup").Text(l.T("nav.signup")),
		)
	}
	return app.Header().Class("topbar").Body(
		app.Div().Class("container topbar-inner").Body(
			app.A().Class("brand").Href("/").Body(
				app.Span().Class("brand-mark").Aria("hidden", "true").Text("T"),
				app.Span().Class("brand-name").Text(l.T("app.name")),
			),
			app.Nav().Class("nav").Aria("label", l.T("nav.main")).Body(
				app.A().ID("nav-tasks").Href("/tasks").Text(l.T("nav.tasks")),
				app.A().ID("nav-post").Href("/tasks/new").Text(l.T("nav.post")),
				app.If(h.s.SignedIn, func() app.UI {
					return app.A().ID("nav-provider").Href("/provider/profile").Text(l.T("nav.provider"))
				}),
				app.If(h.s.Admin, func() app.UI {
					return app.A().ID("nav-review").Href("/admin/vetting").Text(l.T("nav.review"))
				}),
				app.If(h.s.Admin, func() app.UI {
					return app.A().ID("nav-admin-keywords").Href("/admin/keywords").Text(l.T("nav.admin_keywords"))
				}),
				app.If(h.s.Admin, func() app.UI {
					return app.A().ID("nav-admin-patrol").Href("/admin/patrol").Text(l.T("nav.admin_patrol"))
				}),
				app.If(h.s.Provider, func() app.UI {
					return app.A().ID("nav-recommended").Href("/recommended").Text(l.T("nav.recommended"))
				}),
				app.If(h.s.Admin, func() app.UI {
					return app.A().ID("nav-matching-admin").Href("/admin/matching").Text(l.T("nav.matching_admin"))
				}),
				app.If(h.s.Provider, func() app.UI { return app.A().ID("nav-work").Href("/work").Text(l.T("work.title")) }),
				app.If(h.s.Admin, func() app.UI {
					return app.A().ID("nav-admin-users").Href("/admin/users").Text(l.T("nav.users"))
				}),
			),
			account,
		),
	)
}

func (h *header) logOut(ctx app.Context, e app.Event) {
	if h.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		// Whatever the answer, the person wants to be signed out here; the
		// service also clears the cookie.
		_, _ = h.env.rpc.Identity.LogOut(ctx, connect.NewRequest(&identityv1.LogOutRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			ctx.SetState(sessionState, session{Loaded: true})
			ctx.Navigate("/")
		})
	})
}
