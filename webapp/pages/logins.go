package pages

import (
	"slices"
	"strconv"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// loginsPage lists the person's ways to sign in, links GitHub and WeChat
// and unlinks them (ID-1).
type loginsPage struct {
	app.Compo
	env       *env
	methods   []*identityv1.LoginMethod
	providers []*identityv1.LoginProvider
	loaded    bool
	busy      bool
	notice    string
	err       string
}

func (p *loginsPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "logins.title")
	q := ctx.Page().URL().Query()
	if r := q.Get("oauth_error"); r != "" {
		p.err = p.env.lang.Reason(r, "")
	} else if q.Get("linked") != "" {
		p.notice = p.env.lang.T("logins.linked")
	}
	p.load(ctx)
}

func (p *loginsPage) load(ctx app.Context) {
	if p.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		methods, err := p.env.rpc.Identity.ListLoginMethods(ctx, connect.NewRequest(&identityv1.ListLoginMethodsRequest{}))
		var providers *connect.Response[identityv1.ListLoginProvidersResponse]
		if err == nil {
			providers, err = p.env.rpc.Identity.ListLoginProviders(ctx, connect.NewRequest(&identityv1.ListLoginProvidersRequest{}))
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.loaded, p.methods, p.providers = true, methods.Msg.GetMethods(), providers.Msg.GetProviders()
		})
	})
}

func (p *loginsPage) Render() app.UI {
	l := p.env.lang
	linked := func(k identityv1.LoginMethodKind) bool {
		return slices.ContainsFunc(p.methods, func(m *identityv1.LoginMethod) bool { return m.GetKind() == k })
	}
	return p.env.layout(
		app.Section().Class("card").Body(
			p.env.accountTabs("/account/logins"),
			app.H1().Text(l.T("logins.title")),
			app.P().Class("muted").Text(l.T("logins.lead")),
			app.P().ID("logins-notice").Class("notice").Role("status").Text(p.notice),
			app.P().ID("logins-error").Class("form-error").Role("alert").Text(p.err),
			app.Ul().ID("login-methods").Class("task-list").Aria("busy", !p.loaded).Body(
				app.Range(p.methods).Slice(func(i int) app.UI { return p.item(p.methods[i]) }),
			),
			app.Div().Class("actions").Body(
				app.Range(p.providers).Slice(func(i int) app.UI {
					pr := p.providers[i]
					if linked(pr.GetKind()) {
						return app.Text("")
					}
					name := providerName(pr.GetKind())
					// Handlers read their target from the element: go-app
					// keeps a handler whose code did not change across
					// renders, with the values it captured first.
					return app.Button().ID("link-"+name).Class("btn btn-"+name).Type("button").Disabled(p.busy).
						DataSet("start", pr.GetStartPath()+"?mode=link").
						Text(l.T("logins.link") + " " + l.T("logins."+name)).
						OnClick(func(ctx app.Context, _ app.Event) { goTo(ctx.JSSrc().Get("dataset").Get("start").String()) })
				}),
			),
		),
	)
}

func (p *loginsPage) item(m *identityv1.LoginMethod) app.UI {
	l := p.env.lang
	name := providerName(m.GetKind())
	return app.Li().Class("task-item login-method").DataSet("kind", name).Body(
		app.Div().Class("task-title").Text(l.T("logins."+name)),
		app.P().Class("muted login-label").Text(m.GetLabel()),
		app.If(m.GetUnlinkable(), func() app.UI {
			return app.Button().ID("unlink-"+name).Class("btn btn-quiet").Type("button").Disabled(p.busy).
				DataSet("kind", strconv.Itoa(int(m.GetKind()))).
				Text(l.T("logins.unlink")).OnClick(p.unlinkClicked)
		}),
	)
}

// unlinkClicked unlinks the method named by the button's data-kind.
func (p *loginsPage) unlinkClicked(ctx app.Context, _ app.Event) {
	kind, err := strconv.Atoi(ctx.JSSrc().Get("dataset").Get("kind").String())
	if err != nil {
		return
	}
	p.unlink(ctx, identityv1.LoginMethodKind(kind))
}

func (p *loginsPage) unlink(ctx app.Context, kind identityv1.LoginMethodKind) {
	if p.busy || p.env.rpc == nil {
		return
	}
	p.busy, p.notice, p.err = true, "", ""
	ctx.Async(func() {
		_, err := p.env.rpc.Identity.UnlinkLoginMethod(ctx, connect.NewRequest(&identityv1.UnlinkLoginMethodRequest{Kind: kind}))
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = explainWhole(p.env, err)
				return
			}
			p.load(ctx)
		})
	})
}

// explainWhole is the sentence for an error about a request as a whole:
// its reason if the catalogue knows it, else its code.
func explainWhole(e *env, err error) string {
	prob := rpc.Explain(err)
	if prob.Reason != "" {
		return e.lang.Reason(prob.Reason, "")
	}
	if len(prob.Violations) > 0 {
		return e.lang.Reason(prob.Violations[0].Reason, prob.Violations[0].Description)
	}
	return e.lang.Code(prob.Code)
}
