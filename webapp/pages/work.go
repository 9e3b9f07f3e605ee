package pages

import (
	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// workPage is a provider's "My work" (/work): invitations, proposals and
// engagements, each linking to its task.
type workPage struct {
	app.Compo
	env     *env
	work    *tasksv1.ListMyWorkResponse
	err     string
	loading bool
}

func (p *workPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "work.title")
	if p.env.rpc == nil {
		return
	}
	p.loading, p.err = true, ""
	ctx.Async(func() {
		resp, err := p.env.rpc.Market.ListMyWork(ctx, connect.NewRequest(&tasksv1.ListMyWorkRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			p.loading = false
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.work = resp.Msg
		})
	})
}

func (p *workPage) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch w := p.work; {
	case p.err != "":
		body = app.P().ID("form-error").Class("form-error").Role("alert").Text(p.err)
	case w == nil:
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	default:
		body = app.Div().Body(
			app.Section().Body(
				app.H2().Text(l.T("work.invitations")),
				app.If(len(w.GetInvitations()) == 0, func() app.UI { return app.P().Class("muted").Text(l.T("work.none")) }),
				app.Ul().ID("invitation-list").Class("list").Body(app.Range(w.GetInvitations()).Slice(func(i int) app.UI {
					inv := w.GetInvitations()[i]
					return app.Li().Class("invitation-item card").Body(
						app.A().Href("/tasks/"+inv.GetTaskRef()).Text(inv.GetTaskRef()+" "+inv.GetTaskTitle()),
						app.Span().Class("muted").Text(" · "+inv.GetClientDisplayName()),
					)
				})),
			),
			app.Section().Body(
				app.H2().Text(l.T("work.engagements")),
				app.If(len(w.GetEngagements()) == 0, func() app.UI { return app.P().Class("muted").Text(l.T("work.none")) }),
				app.Ul().ID("engagement-list").Class("list").Body(app.Range(w.GetEngagements()).Slice(func(i int) app.UI {
					return taskItem(l, w.GetEngagements()[i])
				})),
			),
			app.Section().Body(
				app.H2().Text(l.T("work.proposals")),
				app.If(len(w.GetProposals()) == 0, func() app.UI { return app.P().Class("muted").Text(l.T("work.none")) }),
				app.Ul().ID("my-proposals").Class("list").Body(app.Range(w.GetProposals()).Slice(func(i int) app.UI {
					pr := w.GetProposals()[i]
					return app.Li().Class("proposal-item card").Body(
						app.A().Href("/tasks/"+pr.GetTaskRef()).Text(pr.GetTaskRef()+" "+pr.GetTaskTitle()),
						app.Span().Class("proposal-price").Text(" "+ui.Yuan(pr.GetPriceFen())),
						app.Span().Class("proposal-status muted").Text(" · "+l.T(proposalKey(pr.GetStatus()))),
					)
				})),
			),
		)
	}
	return p.env.layout(app.H1().Text(l.T("work.title")), body)
}
