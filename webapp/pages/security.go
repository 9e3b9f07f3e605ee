package pages

import (
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// securityPage lists the person's active sessions, with "log out" for each
// and "log out everywhere" (ID-1).
type securityPage struct {
	app.Compo
	env      *env
	sessions []*identityv1.Session
	loading  bool
	loaded   bool
	busy     bool
	err      string
}

func (p *securityPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "security.title")
	if p.env.rpc == nil || p.loading {
		return
	}
	p.load(ctx)
}

func (p *securityPage) load(ctx app.Context) {
	p.loading = true
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.ListSessions(ctx, connect.NewRequest(&identityv1.ListSessionsRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			p.loading = false
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.err, p.loaded, p.sessions = "", true, resp.Msg.GetSessions()
		})
	})
}

func (p *securityPage) Render() app.UI {
	l := p.env.lang
	return p.env.layout(
		app.Section().Class("card").Body(
			p.env.accountTabs("/account/security"),
			app.H1().Text(l.T("security.title")),
			app.P().Class("muted").Text(l.T("security.lead")),
			app.P().ID("security-error").Class("form-error").Role("alert").Text(p.err),
			app.Ul().ID("session-list").Class("task-list").Aria("busy", p.loading).Body(
				app.Range(p.sessions).Slice(func(i int) app.UI { return p.item(p.sessions[i]) }),
			),
			app.Button().ID("logout-everywhere").Class("btn btn-primary").Type("button").
				Disabled(p.busy || !p.loaded).Text(l.T("security.logout_everywhere")).OnClick(p.logOutEverywhere),
		),
		&securityFactors{env: p.env},
	)
}

// item renders one session.
func (p *securityPage) item(s *identityv1.Session) app.UI {
	l := p.env.lang
	device := s.GetDevice()
	if device == "" {
		device = l.T("security.unknown_device")
	}
	id := s.GetId()
	return app.Li().Class("task-item session-item").DataSet("id", id).Body(
		app.Div().Class("task-title session-device").Text(device),
		app.P().Class("muted session-meta").Text(
			l.T("security.since")+" "+p.when(s.GetCreateTime().AsTime())+" · "+
				l.T("security.last_seen")+" "+p.when(s.GetLastSeenTime().AsTime())+
				ipSuffix(s.GetIp())),
		app.If(s.GetCurrent(), func() app.UI {
			return app.Span().Class("badge session-current").Text(l.T("security.current"))
		}).Else(func() app.UI {
			// go-app keeps the handler of the first render: the session
			// comes from the button's data-id, not from a closure.
			return app.Button().ID("end-session-"+id).Class("btn btn-quiet end-session").Type("button").
				DataSet("id", id).Disabled(p.busy).Text(l.T("nav.logout")).
				OnClick(func(ctx app.Context, e app.Event) {
					p.endSession(ctx, ctx.JSSrc().Get("dataset").Get("id").String())
				})
		}),
	)
}

func ipSuffix(ip string) string {
	if ip == "" {
		return ""
	}
	return " · " + ip
}

// when formats a time in China Standard Time, to the minute.
func (p *securityPage) when(t time.Time) string {
	return t.In(time.FixedZone("CST", chinaUTCOffsetS)).Format("2006-01-02 15:04")
}

func (p *securityPage) endSession(ctx app.Context, id string) {
	if p.busy || p.env.rpc == nil {
		return
	}
	p.busy = true
	ctx.Async(func() {
		_, err := p.env.rpc.Identity.EndSession(ctx, connect.NewRequest(&identityv1.EndSessionRequest{SessionId: id}))
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil && !rpc.IsCode(err, connect.CodeNotFound) {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.load(ctx)
		})
	})
}

func (p *securityPage) logOutEverywhere(ctx app.Context, e app.Event) {
	if p.busy || p.env.rpc == nil {
		return
	}
	p.busy = true
	ctx.Async(func() {
		_, err := p.env.rpc.Identity.LogOutEverywhere(ctx, connect.NewRequest(&identityv1.LogOutEverywhereRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			ctx.SetState(sessionState, session{Loaded: true})
			ctx.Navigate("/login")
		})
	})
}
