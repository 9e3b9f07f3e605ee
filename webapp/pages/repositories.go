package pages

import (
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	repositoriesv1 "github.com/talent-hub/talent/proto/talent/repositories/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// repoPanel is a task's repositories (TASK-3), shown to its parties only:
// the linked repositories with their "open in" buttons and webhook setup,
// a form to link one, and the pushes, pull/merge requests and CI runs the
// webhooks reported, refreshed live by the event stream.
type repoPanel struct {
	app.Compo
	env *env
	// Ref is the task's readable reference; exported so that go-app
	// updates it (and OnUpdate reloads) when the page shows another task.
	Ref string

	// allowed is false until the service let the caller see the links.
	allowed  bool
	links    []*repositoriesv1.RepositoryLink
	activity *repositoriesv1.ListRepositoryActivityResponse
	url      string
	urlErr   string
	busy     bool
	s        session
}

func (p *repoPanel) OnMount(ctx app.Context) {
	// Only the signed-in can be parties: others make no calls.
	ctx.ObserveState(sessionState, &p.s).OnChange(func() { p.load(ctx) })
	ctx.Handle(actionEvent, func(ctx app.Context, a app.Action) {
		if _, ok := eventFor(a, p.Ref, "repo."); ok {
			p.load(ctx)
		}
	})
	ctx.Handle(actionReload, func(ctx app.Context, _ app.Action) { p.load(ctx) })
	p.load(ctx)
}

func (p *repoPanel) OnUpdate(ctx app.Context) { p.load(ctx) }

// load fetches the links and the activity; a caller who is not a party
// sees nothing.
func (p *repoPanel) load(ctx app.Context) {
	if p.env.rpc == nil || p.Ref == "" || !p.s.SignedIn {
		p.allowed = false
		return
	}
	ref := p.Ref
	ctx.Async(func() {
		links, err := p.env.rpc.Repositories.ListRepositoryLinks(ctx, connect.NewRequest(&repositoriesv1.ListRepositoryLinksRequest{Task: ref}))
		var act *connect.Response[repositoriesv1.ListRepositoryActivityResponse]
		if err == nil {
			act, err = p.env.rpc.Repositories.ListRepositoryActivity(ctx, connect.NewRequest(&repositoriesv1.ListRepositoryActivityRequest{Task: ref}))
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.allowed = false
				return
			}
			p.allowed, p.links, p.activity = true, links.Msg.GetLinks(), act.Msg
		})
	})
}

func (p *repoPanel) link(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy || p.env.rpc == nil {
		return
	}
	p.busy, p.urlErr = true, ""
	ref, url := p.Ref, strings.TrimSpace(p.url)
	ctx.Async(func() {
		_, err := p.env.rpc.Repositories.LinkRepository(ctx, connect.NewRequest(&repositoriesv1.LinkRepositoryRequest{Task: ref, Url: url}))
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				pr := rpc.Explain(err)
				p.urlErr = p.env.lang.Code(pr.Code)
				if len(pr.Violations) > 0 {
					p.urlErr = p.env.lang.Reason(pr.Violations[0].Reason, pr.Violations[0].Description)
				}
				return
			}
			// The field empties for the next address: the bound string
			// alone leaves the typed text in the DOM (see clearInputs).
			p.url = ""
			clearInputs("repo-url")
			p.load(ctx)
		})
	})
}

func (p *repoPanel) unlink(id string) app.EventHandler {
	return func(ctx app.Context, _ app.Event) {
		if p.busy || p.env.rpc == nil {
			return
		}
		p.busy = true
		ctx.Async(func() {
			_, err := p.env.rpc.Repositories.UnlinkRepository(ctx, connect.NewRequest(&repositoriesv1.UnlinkRepositoryRequest{LinkId: id}))
			ctx.Dispatch(func(ctx app.Context) {
				p.busy = false
				if err != nil {
					p.urlErr = p.env.lang.Code(rpc.Explain(err).Code)
					return
				}
				p.load(ctx)
			})
		})
	}
}

func (p *repoPanel) Render() app.UI {
	if !p.allowed {
		return app.Div().ID("task-repositories").Hidden(true)
	}
	l := p.env.lang
	origin := ""
	if app.IsClient {
		u := app.Window().URL()
		origin = rpc.Origin(u.Scheme, u.Host)
	}
	return app.Section().ID("task-repositories").Class("repositories").Body(
		app.H2().Text(l.T("repo.title")),
		app.Ul().ID("repo-links").Class("repo-links").Body(
			app.Range(p.links).Slice(func(i int) app.UI { return p.linkItem(l, origin, p.links[i]) }),
		),
		app.Form().ID("repo-form").Class("repo-form").OnSubmit(p.link).Body(
			app.Label().For("repo-url").Text(l.T("repo.url_label")),
			app.Div().Class("search-row").Body(
				app.Input().ID("repo-url").Class("input").Type("url").Placeholder("https://github.com/owner/name").
					Value(p.url).OnInput(func(ctx app.Context, e app.Event) { p.url = ctx.JSSrc().Get("value").String() }),
				app.Button().ID("repo-link").Class("btn btn-secondary").Type("submit").Disabled(p.busy).Text(l.T("repo.link")),
			),
			app.P().ID("error-url").Class("field-error").Role("alert").Hidden(p.urlErr == "").Text(p.urlErr),
		),
		app.If(len(p.links) > 0, func() app.UI { return p.activityView(l) }),
	)
}

func (p *repoPanel) linkItem(l ui.Lang, origin string, k *repositoriesv1.RepositoryLink) app.UI {
	vscodeKey, help := "repo.open_vscode", "repo.webhook_help_github"
	if k.GetHost() == "gitlab" {
		vscodeKey, help = "repo.open_gitlab_ide", "repo.webhook_help_gitlab"
	}
	return app.Li().Class("repo-link").DataSet("id", k.GetId()).Body(
		app.Div().Class("repo-link-head").Body(
			app.A().Class("repo-name").Href(k.GetWebUrl()).Target("_blank").Rel("noopener").Text(k.GetHost()+": "+k.GetPath()),
			app.A().Class("btn btn-secondary repo-vscode").Href(k.GetVscodeUrl()).Target("_blank").Rel("noopener").Text(l.T(vscodeKey)),
			app.If(k.GetCodesandboxUrl() != "", func() app.UI {
				return app.A().Class("btn btn-secondary repo-codesandbox").Href(k.GetCodesandboxUrl()).Target("_blank").Rel("noopener").Text(l.T("repo.open_codesandbox"))
			}),
			app.Button().Class("btn btn-quiet repo-unlink").Type("button").Disabled(p.busy).Text(l.T("repo.unlink")).OnClick(p.unlink(k.GetId())),
		),
		app.Details().Class("repo-webhook").Body(
			app.Summary().Text(l.T("repo.webhook")),
			app.P().Class("muted").Text(l.T(help)),
			app.Label().Text(l.T("repo.webhook_url")),
			app.Input().Class("input repo-webhook-url").ReadOnly(true).Value(origin+k.GetWebhookPath()),
			app.Label().Text(l.T("repo.webhook_secret")),
			app.Input().Class("input repo-webhook-secret").ReadOnly(true).Value(k.GetWebhookSecret()),
		),
	)
}

func (p *repoPanel) activityView(l ui.Lang) app.UI {
	a := p.activity
	if len(a.GetPushes())+len(a.GetPullRequests())+len(a.GetChecks()) == 0 {
		return app.P().ID("repo-no-activity").Class("muted").Text(l.T("repo.no_activity"))
	}
	return app.Div().Class("repo-activity").Body(
		app.If(len(a.GetChecks()) > 0, func() app.UI {
			return app.Div().Body(
				app.H3().Text(l.T("repo.checks")),
				app.Ul().ID("repo-checks").Body(app.Range(a.GetChecks()).Slice(func(i int) app.UI {
					c := a.GetChecks()[i]
					return app.Li().Class("repo-check").DataSet("state", c.GetState()).Body(
						app.Span().Class("badge ci-"+c.GetState()).Text(l.T("repo.ci."+c.GetState())),
						app.Text(" "),
						app.A().Href(c.GetUrl()).Target("_blank").Rel("noopener").Text(c.GetName()),
						app.Span().Class("muted").Text(" "+c.GetRepository()+" · "+c.GetBranch()),
					)
				})),
			)
		}),
		app.If(len(a.GetPullRequests()) > 0, func() app.UI {
			return app.Div().Body(
				app.H3().Text(l.T("repo.prs")),
				app.Ul().ID("repo-prs").Body(app.Range(a.GetPullRequests()).Slice(func(i int) app.UI {
					r := a.GetPullRequests()[i]
					return app.Li().Class("repo-pr").DataSet("state", r.GetState()).Body(
						app.Span().Class("badge pr-"+r.GetState()).Text(l.T("repo.pr."+r.GetState())),
						app.Text(" "),
						app.A().Href(r.GetUrl()).Target("_blank").Rel("noopener").Text("#"+strconv.FormatInt(r.GetNumber(), 10)+" "+r.GetTitle()),
						app.Span().Class("muted").Text(" "+r.GetRepository()+" · "+r.GetSourceBranch()+" → "+r.GetTargetBranch()),
					)
				})),
			)
		}),
		app.If(len(a.GetPushes()) > 0, func() app.UI {
			return app.Div().Body(
				app.H3().Text(l.T("repo.pushes")),
				app.Ul().ID("repo-pushes").Body(app.Range(a.GetPushes()).Slice(func(i int) app.UI {
					u := a.GetPushes()[i]
					return app.Li().Class("repo-push").Body(
						app.Span().Text(ui.Fill(l.T("repo.push_summary"), map[string]string{
							"pusher": u.GetPusher(), "n": strconv.Itoa(int(u.GetCommitCount())), "branch": u.GetBranch(),
						})),
						app.Span().Class("muted").Text(" "+u.GetRepository()),
						app.Ul().Class("repo-commits").Body(app.Range(u.GetCommits()).Slice(func(j int) app.UI {
							c := u.GetCommits()[j]
							sha := c.GetSha()
							if len(sha) > 7 {
								sha = sha[:7]
							}
							return app.Li().Class("repo-commit").Body(
								app.A().Class("mono").Href(c.GetUrl()).Target("_blank").Rel("noopener").Text(sha),
								app.Text(" "+c.GetMessage()+" — "+c.GetAuthor()),
							)
						})),
					)
				})),
			)
		}),
	)
}
