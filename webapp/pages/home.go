package pages

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// homePage says what Talent is and where to go next.
type homePage struct {
	app.Compo
	env *env
}

func (p *homePage) OnNav(ctx app.Context) { p.env.title(ctx, "") }

func (p *homePage) Render() app.UI {
	l := p.env.lang
	feature := func(n, icon string) app.UI {
		return app.Li().Class("feature").Body(
			app.Span().Class("feature-icon").Aria("hidden", "true").Text(icon),
			app.H2().Text(l.T("home.f"+n+".title")),
			app.P().Text(l.T("home.f"+n+".text")),
		)
	}
	return p.env.layout(
		app.Section().Class("hero").Body(
			app.P().Class("eyebrow").Text(l.T("app.tagline")),
			app.H1().Text(l.T("home.title")),
			app.P().Class("lead").Text(l.T("home.lead")),
			app.Div().Class("actions").Body(
				app.A().ID("home-browse").Class("btn btn-primary btn-lg").Href("/tasks").Text(l.T("home.browse")),
				app.A().ID("home-post").Class("btn btn-secondary btn-lg").Href("/tasks/new").Text(l.T("home.post")),
				app.A().ID("home-signup").Class("btn btn-quiet btn-lg").Href("/signup").Text(l.T("home.join")),
			),
		),
		app.Ul().Class("features").Body(
			feature("1", "✎"),
			feature("2", "⌕"),
			feature("3", "✓"),
		),
	)
}
