package pages

import (
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// pageSize is how many tasks one "load more" fetches.
const pageSize = 20

// tasksPage lists tasks, newest first.
type tasksPage struct {
	app.Compo
	env     *env
	tasks   []*tasksv1.Task
	next    string
	loading bool
	loaded  bool
	err     string
}

func (p *tasksPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "tasks.title")
	if p.env.rpc == nil || p.loading {
		return
	}
	p.tasks, p.next, p.loaded, p.err = nil, "", false, ""
	p.load(ctx, "")
}

func (p *tasksPage) load(ctx app.Context, token string) {
	p.loading = true
	ctx.Async(func() {
		resp, err := p.env.rpc.Tasks.ListTasks(ctx, connect.NewRequest(&tasksv1.ListTasksRequest{
			PageSize:  pageSize,
			PageToken: token,
		}))
		ctx.Dispatch(func(ctx app.Context) {
			p.loading = false
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.err = ""
			p.loaded = true
			p.tasks = append(p.tasks, resp.Msg.GetTasks()...)
			p.next = resp.Msg.GetNextPageToken()
		})
	})
}

func (p *tasksPage) loadMore(ctx app.Context, e app.Event) {
	if p.loading || p.env.rpc == nil {
		return
	}
	p.load(ctx, p.next)
}

func (p *tasksPage) Render() app.UI {
	l := p.env.lang
	return p.env.layout(
		app.Div().Class("page-head").Body(
			app.Div().Body(
				app.H1().Text(l.T("tasks.title")),
				app.P().Class("muted").Text(l.T("tasks.lead")),
			),
			app.A().ID("tasks-post").Class("btn btn-primary").Href("/tasks/new").Text(l.T("nav.post")),
		),
		app.Ul().ID("task-list").Class("task-list").Aria("busy", p.loading).Body(
			app.Range(p.tasks).Slice(func(i int) app.UI { return taskItem(l, p.tasks[i]) }),
		),
		app.If(p.loaded && len(p.tasks) == 0, func() app.UI {
			return app.Div().ID("tasks-empty").Class("empty").Body(
				app.P().Text(l.T("tasks.empty")),
				app.A().Class("btn btn-primary").Href("/tasks/new").Text(l.T("nav.post")),
			)
		}),
		app.If(p.loading && p.next == "", func() app.UI {
			return app.P().Class("loading").Role("status").Text(l.T("common.loading"))
		}),
		app.If(p.err != "", func() app.UI {
			return app.Div().Class("form-error").Role("alert").Body(
				app.Span().Text(p.err+" "),
				app.Button().Class("btn btn-quiet").Type("button").Text(l.T("common.retry")).OnClick(p.loadMore),
			)
		}),
		app.If(p.next != "", func() app.UI {
			label := l.T("tasks.more")
			if p.loading {
				label = l.T("common.loading")
			}
			return app.Div().Class("more").Body(
				app.Button().ID("load-more").Class("btn btn-secondary").Type("button").
					Disabled(p.loading).Aria("busy", p.loading).Text(label).OnClick(p.loadMore),
			)
		}),
	)
}

// taskItem is one task in the list.
func taskItem(l ui.Lang, t *tasksv1.Task) app.UI {
	return app.Li().Class("task-item").Body(
		app.A().Class("task-link").Href("/tasks/"+t.GetRef()).Body(
			app.Div().Class("task-head").Body(
				app.H2().Class("task-title").Text(t.GetTitle()),
				app.Span().Class("task-ref").Text(t.GetRef()),
			),
			app.P().Class("task-meta").Body(
				app.Span().Class("task-budget").Text(budgetText(t)),
				app.Span().Class("task-due").Text(l.T("tasks.due")+" "+t.GetDeliveryDate()),
				app.If(t.GetClientDisplayName() != "", func() app.UI {
					return app.Span().Class("task-client").Text(l.T("tasks.by") + " " + t.GetClientDisplayName())
				}),
			),
			chips(t.GetSkillTags()),
		),
	)
}

func budgetText(t *tasksv1.Task) string {
	if t.GetBudgetMinFen() == t.GetBudgetMaxFen() {
		return ui.Yuan(t.GetBudgetMinFen())
	}
	return ui.Yuan(t.GetBudgetMinFen()) + " – " + ui.Yuan(t.GetBudgetMaxFen())
}

// chips renders skill tags.
func chips(tags []string) app.UI {
	return app.Ul().Class("chips").Body(
		app.Range(tags).Slice(func(i int) app.UI {
			return app.Li().Class("chip").Text(tags[i])
		}),
	)
}

// statusKey is the catalogue key of a task status.
func statusKey(s tasksv1.TaskStatus) string {
	name := strings.TrimPrefix(s.String(), "TASK_STATUS_")
	return "status." + strings.ToLower(name)
}

// taskPage shows one task by its reference.
type taskPage struct {
	app.Compo
	env     *env
	ref     string
	task    *tasksv1.Task
	loading bool
	err     string
}

func (p *taskPage) OnNav(ctx app.Context) {
	p.ref = strings.TrimPrefix(ctx.Page().URL().Path, "/tasks/")
	ctx.Page().SetTitle(p.ref + " · " + p.env.lang.T("app.name"))
	if p.env.rpc == nil {
		return
	}
	p.task, p.err, p.loading = nil, "", true
	ref := p.ref
	ctx.Async(func() {
		resp, err := p.env.rpc.Tasks.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: ref}))
		ctx.Dispatch(func(ctx app.Context) {
			p.loading = false
			switch {
			case rpc.IsCode(err, connect.CodeNotFound):
				p.err = p.env.lang.T("tasks.not_found")
			case err != nil:
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
			default:
				p.task = resp.Msg.GetTask()
				ctx.Page().SetTitle(p.task.GetTitle() + " · " + p.env.lang.T("app.name"))
			}
		})
	})
}

func (p *taskPage) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch t := p.task; {
	case t != nil:
		body = app.Article().ID("task-detail").Class("card task-detail").Body(
			app.Div().Class("task-head").Body(
				app.H1().Class("task-title").Text(t.GetTitle()),
				app.Span().Class("task-ref").Text(t.GetRef()),
			),
			app.Span().Class("status status-"+strings.TrimPrefix(statusKey(t.GetStatus()), "status.")).
				Text(l.T(statusKey(t.GetStatus()))),
			app.Dl().Class("facts").Body(
				app.Dt().Text(l.T("tasks.budget")), app.Dd().Class("task-budget").Text(budgetText(t)),
				app.Dt().Text(l.T("tasks.due")), app.Dd().Text(t.GetDeliveryDate()),
				app.Dt().Text(l.T("tasks.by")), app.Dd().Text(t.GetClientDisplayName()),
				app.Dt().Text(l.T("tasks.skills")), app.Dd().Body(chips(t.GetSkillTags())),
			),
			app.If(t.GetDescription() != "", func() app.UI {
				return app.Div().Body(
					app.H2().Text(l.T("tasks.description")),
					app.P().Class("description").Text(t.GetDescription()),
				)
			}),
		)
	case p.err != "":
		body = app.P().ID("form-error").Class("form-error").Role("alert").Text(p.err)
	default:
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	}
	return p.env.layout(
		app.P().Class("crumbs").Body(app.A().Href("/tasks").Text("← "+l.T("tasks.back"))),
		body,
	)
}
